// In-page side of the browser harness: wraps the unmodified ConnectyCube SDK (global `ConnectyCube`) in a few calls
// the Node side evaluates, records every call event, and measures which tones arrive in remote audio (WebAudio FFT).
(() => {
  const events = [];
  const chat = [];
  const sessions = new Map();
  const meters = new Map();
  let current;
  let conference;

  function record(type, session, userId, extra) {
    events.push({ type, sessionId: session?.ID ?? null, userId: userId ?? null, ...extra, at: Date.now() });
  }

  /** Remote audio into an analyser. Chrome only feeds a remote stream to WebAudio while a media element plays it. */
  function meter(key, stream) {
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    sink.play().catch(() => undefined);
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0.5;
    context.createMediaStreamSource(stream).connect(analyser);
    context.resume().catch(() => undefined);
    meters.set(key, { context, analyser, sink });
  }

  /** Level (dBFS) of the strongest analyser bin within ±2 bins of `frequency`. */
  function levelAt(analyser, frequency) {
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    const centre = Math.round(frequency / (analyser.context.sampleRate / analyser.fftSize));
    let level = Number.NEGATIVE_INFINITY;
    for (let i = centre - 2; i <= centre + 2; i++)
      level = Math.max(level, bins[i] ?? Number.NEGATIVE_INFINITY);
    return level;
  }

  function installListeners() {
    ConnectyCube.chat.onMessageListener = (userId, message) => chat.push({ userId, body: message.body });
    ConnectyCube.chat.onSystemMessageListener = (message) =>
      record('system', null, message.userId, { extension: message.extension ?? {} });
    const video = ConnectyCube.videochat;
    video.onCallListener = (session, extension) => {
      sessions.set(session.ID, session);
      current = session;
      record('call', session, session.initiatorID, { userInfo: extension ?? {} });
    };
    video.onAcceptCallListener = (session, userId, extension) =>
      record('accept', session, userId, { userInfo: extension ?? {} });
    video.onRejectCallListener = (session, userId, extension) =>
      record('reject', session, userId, { userInfo: extension ?? {} });
    video.onStopCallListener = (session, userId, extension) =>
      record('stop', session, userId, { userInfo: extension ?? {} });
    video.onUserNotAnswerListener = (session, userId) => record('no-answer', session, userId);
    video.onSessionCloseListener = (session) => record('close', session);
    video.onSessionConnectionStateChangedListener = (session, userId, state) =>
      record('connection-state', session, userId, { state });
    video.onRemoteStreamListener = (session, userId, stream) => {
      record('remote-stream', session, userId, {
        audio: stream.getAudioTracks().length,
        video: stream.getVideoTracks().length,
      });
      if (stream.getAudioTracks().length > 0) meter(`call:${userId}`, stream);
    };
    const rooms = ConnectyCube.videochatconference;
    if (!rooms) return;
    rooms.onParticipantJoinedListener = (_session, userId, userName) =>
      record('participant-joined', null, userId, { userName });
    rooms.onParticipantLeftListener = (_session, userId) => record('participant-left', null, userId);
    rooms.onErrorListener = (_session, error) =>
      record('conference-error', null, null, { error: JSON.stringify(error) });
    rooms.onRemoteStreamListener = (_session, userId, stream) => {
      record('conference-stream', null, userId, {
        audio: stream.getAudioTracks().length,
        video: stream.getVideoTracks().length,
      });
      if (stream.getAudioTracks().length > 0) meter(`conference:${userId}`, stream);
    };
  }

  window.sdkHarness = {
    events,
    chat,
    init(credentials, config) {
      ConnectyCube.init(credentials, config);
      if (!ConnectyCube.videochat)
        throw new Error('ConnectyCube.videochat is undefined: the page is not a secure context');
      installListeners();
      return ConnectyCube.videochat !== undefined;
    },
    /** Log in (REST session), then connect chat with the session token as the password, as the SDK docs recommend. */
    async login(login, password) {
      const session = await ConnectyCube.createSession({ login, password });
      await ConnectyCube.chat.connect({ userId: session.user_id, password: session.token });
      return { userId: session.user_id, token: session.token };
    },
    /** A system message (how DTMF reaches and leaves apps through a gateway). */
    sendSystemMessage(userId, extension) {
      ConnectyCube.chat.sendSystemMessage(userId, { extension });
      return current?.ID ?? null;
    },
    async call(opponentId, kind, userInfo) {
      const type =
        kind === 'video' ? ConnectyCube.videochat.CallType.VIDEO : ConnectyCube.videochat.CallType.AUDIO;
      const session = ConnectyCube.videochat.createNewSession([opponentId], type);
      await session.getUserMedia({ audio: true, video: kind === 'video' });
      sessions.set(session.ID, session);
      current = session;
      session.call(userInfo ?? { from: 'harness' });
      return session.ID;
    },
    async accept() {
      await current.getUserMedia({
        audio: true,
        video: current.callType === ConnectyCube.videochat.CallType.VIDEO,
      });
      current.accept({});
    },
    reject(userInfo) {
      current.reject(userInfo ?? {});
    },
    hangUp(userInfo) {
      current.stop(userInfo ?? {});
    },
    /** Joins a conference room (Janus video room through `conference.server`) with the microphone only. */
    async joinConference(roomId, userId, displayName) {
      conference = ConnectyCube.videochatconference.createNewSession();
      await conference.getUserMedia({ audio: true, video: false });
      await conference.join(roomId, userId, displayName);
    },
    async leaveConference() {
      await conference?.leave();
      conference = undefined;
    },
    /**
     * Level (dBFS) of the tone `frequency` in the audio received from `userId` in a call (`source` 'call') or a
     * conference ('conference'); -Infinity before any audio arrived.
     */
    toneLevel(userId, frequency, source = 'call') {
      const entry = meters.get(`${source}:${userId}`);
      return entry ? levelAt(entry.analyser, frequency) : Number.NEGATIVE_INFINITY;
    },
    sendChat(userId, body) {
      return ConnectyCube.chat.send(userId, { type: 'chat', body, extension: { save_to_history: 0 } });
    },
  };
})();
