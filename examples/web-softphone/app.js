// The web softphone: log in with the unmodified ConnectyCube SDK, see who is online, place and take audio/video calls,
// mute, send DTMF, and watch call quality from getStats. It uses the local sandbox when the page is served by one
// (`/sandbox/config.json`), and the ConnectyCube cloud with an app id and auth key otherwise.
const $ = (id) => document.getElementById(id);
const state = {
  mode: 'cloud',
  sandbox: null,
  me: null,
  users: new Map(),
  session: null,
  peerId: null,
  timers: [],
};

function log(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $('log').prepend(item);
}

function show(panel, visible) {
  $(panel).hidden = !visible;
}

async function detectServer() {
  try {
    const response = await fetch('/sandbox/config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(String(response.status));
    state.sandbox = await response.json();
    state.mode = 'sandbox';
  } catch {
    state.mode = 'cloud';
  }
  applyMode();
}

function applyMode() {
  const cloud = state.mode === 'cloud';
  $('use-cloud').checked = cloud;
  $('use-cloud').disabled = !state.sandbox;
  $('cloud-fields').hidden = !cloud;
  $('server-label').textContent = cloud
    ? 'ConnectyCube cloud'
    : `local sandbox · app ${state.sandbox.credentials.appId}`;
  $('login-hint').textContent = cloud
    ? ''
    : 'Sandbox demo users: alice / alice-password, bob / bob-password, carol / carol-password.';
}

function initSdk(form) {
  if (state.mode === 'sandbox') {
    ConnectyCube.init(state.sandbox.credentials, state.sandbox.config);
  } else {
    const appId = Number(form.appId.value);
    if (!appId || !form.authKey.value)
      throw new Error('Enter the app id and auth key of your ConnectyCube application.');
    ConnectyCube.init({ appId, authKey: form.authKey.value }, { debug: { mode: 0 } });
  }
  if (!ConnectyCube.videochat)
    throw new Error('Calls need a secure context: open the page from 127.0.0.1, localhost or https.');
  installCallListeners();
}

async function logIn(event) {
  event.preventDefault();
  const form = event.target;
  $('login-error').textContent = '';
  try {
    initSdk(form);
    const session = await ConnectyCube.createSession({
      login: form.login.value,
      password: form.password.value,
    });
    await ConnectyCube.chat.connect({ userId: session.user_id, password: session.token });
    const { user } = await ConnectyCube.users.get(session.user_id);
    state.me = user;
    $('me').textContent = `${user.full_name || user.login} (${user.id})`;
    show('me', true);
    show('logout', true);
    show('login-panel', false);
    show('users-panel', true);
    show('room-panel', true);
    $('room-hint').textContent = conferencesAvailable()
      ? 'Everyone who joins the same room name hears everyone else (microphone only).'
      : 'Conferences are off on this server (Janus is not installed).';
    $('room-join').disabled = !conferencesAvailable();
    ConnectyCube.chat.onSystemMessageListener = onSystemMessage;
    log(`logged in as ${user.login}`);
    await refreshOnline();
    state.timers.push(setInterval(refreshOnline, 3000));
  } catch (error) {
    $('login-error').textContent = describeError(error);
  }
}

function describeError(error) {
  if (error === 'not-authorized') return 'Chat refused the credentials.';
  if (error?.code === 401) return 'Wrong login or password.';
  return error?.message ?? (typeof error === 'string' ? error : JSON.stringify(error));
}

async function logOut() {
  for (const timer of state.timers.splice(0)) clearInterval(timer);
  if (state.session) state.session.stop({});
  ConnectyCube.chat.disconnect();
  await ConnectyCube.destroySession().catch(() => undefined);
  location.reload();
}

async function refreshOnline() {
  try {
    const { users } = await ConnectyCube.users.listOnline({ limit: 100 });
    const others = users.filter((user) => user.id !== state.me.id);
    for (const user of users) state.users.set(user.id, user);
    $('online-count').textContent = `(${others.length})`;
    $('online-empty').hidden = others.length > 0;
    $('online-users').replaceChildren(...others.map(userRow));
  } catch (error) {
    log(`online list failed: ${describeError(error)}`);
  }
}

function userRow(user) {
  const row = document.createElement('li');
  row.innerHTML = '<span class="dot"></span><span class="name"></span><span class="id"></span>';
  row.querySelector('.name').textContent = user.full_name || user.login;
  row.querySelector('.id').textContent = `#${user.id}`;
  for (const kind of ['audio', 'video']) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = kind === 'audio' ? 'Call' : 'Video';
    button.addEventListener('click', () => startCall(user.id, kind));
    row.append(button);
  }
  return row;
}

function nameOf(userId) {
  const user = state.users.get(userId);
  return user ? user.full_name || user.login : `user ${userId}`;
}

// --- calls -------------------------------------------------------------------------------------------------------

function installCallListeners() {
  const video = ConnectyCube.videochat;
  video.onCallListener = (session, extension) => {
    if (state.session) {
      session.reject({ busy: 'true' });
      log(`rejected a call from ${nameOf(session.initiatorID)}: busy`);
      return;
    }
    state.session = session;
    state.peerId = session.initiatorID;
    $('incoming-from').textContent = nameOf(session.initiatorID);
    $('incoming-kind').textContent = isVideo(session) ? 'video' : 'audio';
    show('incoming-panel', true);
    log(
      `incoming ${isVideo(session) ? 'video' : 'audio'} call from ${nameOf(session.initiatorID)} ${JSON.stringify(extension ?? {})}`,
    );
  };
  video.onAcceptCallListener = (_session, userId) => {
    $('call-title').textContent = `Call with ${nameOf(userId)}`;
    setCallState('answered');
    log(`${nameOf(userId)} answered`);
  };
  video.onRejectCallListener = (session, userId, extension) => {
    log(`${nameOf(userId)} rejected the call ${JSON.stringify(extension ?? {})}`);
    endCall(session, 'rejected');
  };
  video.onStopCallListener = (session, userId) => {
    log(`${nameOf(userId)} hung up`);
    endCall(session, 'hung up');
  };
  video.onUserNotAnswerListener = (session, userId) => {
    log(`${nameOf(userId)} did not answer`);
    endCall(session, 'no answer');
  };
  video.onSessionCloseListener = (session) => endCall(session, 'closed');
  video.onRemoteStreamListener = (_session, userId, stream) => {
    $('remote-video').srcObject = stream;
    log(
      `media from ${nameOf(userId)}: ${stream.getAudioTracks().length} audio, ${stream.getVideoTracks().length} video`,
    );
  };
  video.onSessionConnectionStateChangedListener = (_session, _userId, connectionState) => {
    const names = Object.fromEntries(
      Object.entries(video.SessionConnectionState).map(([k, v]) => [v, k.toLowerCase()]),
    );
    setCallState(names[connectionState] ?? String(connectionState));
  };
}

function isVideo(session) {
  return session.callType === ConnectyCube.videochat.CallType.VIDEO;
}

/** The CubeBridge gateway's ConnectyCube user, as the local sandbox names it (`cubebridge-gateway`). */
const gatewayLogin = 'cubebridge-gateway';

/** Calls a SIP phone: the gateway's user is called with the SIP target in userInfo, and dials it. */
function callPhone(event) {
  event.preventDefault();
  const gateway = [...state.users.values()].find((user) => user.login === gatewayLogin);
  $('phone-error').textContent = gateway ? '' : 'No CubeBridge gateway is online here.';
  if (gateway) startCall(gateway.id, 'audio', { to: event.target.sip.value.trim() });
}

async function startCall(userId, kind, userInfo = {}) {
  if (state.session) return;
  const video = ConnectyCube.videochat;
  const session = video.createNewSession(
    [userId],
    kind === 'video' ? video.CallType.VIDEO : video.CallType.AUDIO,
  );
  state.session = session;
  state.peerId = userId;
  try {
    const stream = await session.getUserMedia({ audio: true, video: kind === 'video' });
    openCallPanel(session, stream, `Calling ${nameOf(userId)}`);
    session.call({ name: state.me.full_name || state.me.login, ...userInfo });
    setCallState('ringing');
    log(`calling ${nameOf(userId)} (${kind})`);
  } catch (error) {
    log(`could not start the call: ${describeError(error)}`);
    state.session = null;
  }
}

async function answer() {
  const session = state.session;
  show('incoming-panel', false);
  try {
    const stream = await session.getUserMedia({ audio: true, video: isVideo(session) });
    openCallPanel(session, stream, `Call with ${nameOf(state.peerId)}`);
    session.accept({});
    log('answered');
  } catch (error) {
    log(`could not answer: ${describeError(error)}`);
    session.reject({ reason: 'no-media' });
    endCall(session, 'failed');
  }
}

function reject() {
  state.session?.reject({ reason: 'declined' });
  log('rejected');
  endCall(state.session, 'rejected');
}

function hangUp() {
  state.session?.stop({});
  log('hung up');
  endCall(state.session, 'ended');
}

function openCallPanel(session, localStream, title) {
  $('call-title').textContent = title;
  $('local-video').srcObject = localStream;
  $('camera').hidden = !isVideo(session);
  $('mute').setAttribute('aria-pressed', 'false');
  $('dtmf-sent').textContent = '';
  $('dtmf-received').textContent = '';
  show('call-panel', true);
  const started = Date.now();
  state.callTimers = [
    setInterval(() => {
      const seconds = Math.floor((Date.now() - started) / 1000);
      $('call-timer').textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    }, 1000),
    setInterval(() => updateStats(session), 2000),
  ];
}

function endCall(session, why) {
  if (!session || session !== state.session) return;
  for (const timer of state.callTimers ?? []) clearInterval(timer);
  state.callTimers = [];
  previous.clear();
  state.session = null;
  state.peerId = null;
  show('incoming-panel', false);
  show('call-panel', false);
  $('remote-video').srcObject = null;
  $('local-video').srcObject = null;
  $('call-timer').textContent = '';
  log(`call ${why}`);
}

function setCallState(text) {
  $('call-state').textContent = text;
}

function toggleMute() {
  const muted = $('mute').getAttribute('aria-pressed') !== 'true';
  if (muted) state.session.mute('audio');
  else state.session.unmute('audio');
  $('mute').setAttribute('aria-pressed', String(muted));
  $('mute').textContent = muted ? 'Unmute' : 'Mute';
}

function toggleCamera() {
  const off = $('camera').getAttribute('aria-pressed') !== 'true';
  if (off) state.session.mute('video');
  else state.session.unmute('video');
  $('camera').setAttribute('aria-pressed', String(off));
  $('camera').textContent = off ? 'Camera on' : 'Camera off';
}

// --- DTMF: in-band (RFC 4733 through RTCDTMFSender) and as a system message, the form CubeBridge gateways read ---------

/** The browser RTCPeerConnection under the SDK's wrapper (`original`). */
function peerConnection(session) {
  const wrapper = session?.peerConnections?.[state.peerId];
  return wrapper?.original ?? wrapper;
}

function sendDigit(digit) {
  const session = state.session;
  if (!session) return;
  const sender = peerConnection(session)
    ?.getSenders()
    .find((s) => s.track?.kind === 'audio');
  if (sender?.dtmf?.canInsertDTMF) sender.dtmf.insertDTMF(digit, 100, 70);
  ConnectyCube.chat.sendSystemMessage(state.peerId, {
    extension: { type: 'dtmf', sessionID: session.ID, digits: digit, durationMs: '100' },
  });
  $('dtmf-sent').textContent += digit;
}

function onSystemMessage(message) {
  const extension = message.extension ?? {};
  if (extension.type === 'dtmf' && state.session && extension.sessionID === state.session.ID) {
    $('dtmf-received').textContent =
      `received: ${$('dtmf-received').textContent.replace('received: ', '') + extension.digits}`;
    log(`DTMF from ${nameOf(message.userId)}: ${extension.digits}`);
  }
}

function buildKeypad() {
  for (const digit of '123A456B789C*0#D') {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = digit;
    button.addEventListener('click', () => sendDigit(digit));
    $('keypad').append(button);
  }
}

// --- call quality from getStats ------------------------------------------------------------------------------------

const previous = new Map();

async function updateStats(session) {
  const pc = peerConnection(session);
  if (!pc) return;
  const report = await pc.getStats();
  const stats = [...report.values()];
  const inbound = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
  const outbound = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'audio');
  const inboundVideo = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
  const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  const codec = inbound && report.get(inbound.codecId);
  $('stat-codec').textContent = codec ? `${codec.mimeType.split('/')[1]} ${codec.clockRate / 1000} kHz` : '–';
  $('stat-rtt').textContent =
    pair?.currentRoundTripTime !== undefined ? `${Math.round(pair.currentRoundTripTime * 1000)} ms` : '–';
  $('stat-in').textContent = inbound
    ? `${rate('in', inbound.bytesReceived)} · ${inbound.packetsReceived} pkts`
    : '–';
  $('stat-out').textContent = outbound
    ? `${rate('out', outbound.bytesSent)} · ${outbound.packetsSent} pkts`
    : '–';
  $('stat-jitter').textContent =
    inbound?.jitter !== undefined ? `${(inbound.jitter * 1000).toFixed(1)} ms` : '–';
  $('stat-lost').textContent = inbound ? String(inbound.packetsLost ?? 0) : '–';
  $('stat-video').textContent = inboundVideo?.frameWidth
    ? `${inboundVideo.frameWidth}×${inboundVideo.frameHeight} @ ${Math.round(inboundVideo.framesPerSecond ?? 0)} fps`
    : '–';
  $('stat-ice').textContent = pc.iceConnectionState;
}

/** kbit/s since the last sample of the same counter. */
function rate(key, bytes) {
  const now = performance.now();
  const last = previous.get(key);
  previous.set(key, { bytes, now });
  if (!last || now <= last.now) return '…';
  return `${Math.round(((bytes - last.bytes) * 8) / (now - last.now))} kbit/s`;
}

// --- conference rooms (Janus video room through the SDK's videochatconference) ------------------------------------------

function conferencesAvailable() {
  return state.mode === 'cloud' || Boolean(state.sandbox?.config?.conference);
}

function participantRow(userId, name) {
  const row = document.createElement('li');
  row.dataset.userId = String(userId);
  row.innerHTML = '<span class="dot"></span><span class="name"></span><span class="id"></span>';
  row.querySelector('.name').textContent = name;
  row.querySelector('.id').textContent = `#${userId}`;
  return row;
}

async function joinRoom(event) {
  event.preventDefault();
  const rooms = ConnectyCube.videochatconference;
  rooms.onParticipantJoinedListener = (_session, userId, userName) => {
    if (!$('room-participants').querySelector(`[data-user-id="${userId}"]`)) {
      $('room-participants').append(participantRow(userId, userName || nameOf(userId)));
    }
    log(`${userName || nameOf(userId)} joined the room`);
  };
  rooms.onParticipantLeftListener = (_session, userId) => {
    $('room-participants').querySelector(`[data-user-id="${userId}"]`)?.remove();
    $('room-audio').querySelector(`[data-user-id="${userId}"]`)?.remove();
    log(`${nameOf(userId)} left the room`);
  };
  rooms.onRemoteStreamListener = (_session, userId, stream) => {
    const audio = new Audio();
    audio.dataset.userId = String(userId);
    audio.autoplay = true;
    audio.srcObject = stream;
    $('room-audio').append(audio);
  };
  rooms.onErrorListener = (_session, error) => log(`conference error: ${JSON.stringify(error)}`);
  const session = rooms.createNewSession();
  state.room = session;
  // Our own row goes first, before joining: the others already in the room are announced while `join` runs.
  $('room-participants').replaceChildren(
    participantRow(state.me.id, `${state.me.full_name || state.me.login} (you)`),
  );
  try {
    await session.getUserMedia({ audio: true, video: false });
    await session.join(event.target.room.value, state.me.id, state.me.full_name || state.me.login);
    $('room-state').textContent = event.target.room.value;
    show('room-join', false);
    show('room-leave', true);
    log(`joined room ${event.target.room.value}`);
  } catch (error) {
    log(`could not join the room: ${describeError(error)}`);
    $('room-participants').replaceChildren();
    state.room = null;
  }
}

async function leaveRoom() {
  await state.room?.leave().catch(() => undefined);
  state.room = null;
  $('room-participants').replaceChildren();
  $('room-audio').replaceChildren();
  $('room-state').textContent = '';
  show('room-join', true);
  show('room-leave', false);
  log('left the room');
}

// --- wiring ----------------------------------------------------------------------------------------------------------

$('login-form').addEventListener('submit', logIn);
$('logout').addEventListener('click', logOut);
$('use-cloud').addEventListener('change', (event) => {
  state.mode = event.target.checked ? 'cloud' : 'sandbox';
  applyMode();
});
$('dial-form').addEventListener('submit', (event) => {
  event.preventDefault();
  startCall(Number(event.target.userId.value), event.submitter?.dataset.kind ?? 'audio');
});
$('phone-form').addEventListener('submit', callPhone);
$('room-form').addEventListener('submit', joinRoom);
$('room-leave').addEventListener('click', leaveRoom);
$('answer').addEventListener('click', answer);
$('reject').addEventListener('click', reject);
$('hangup').addEventListener('click', hangUp);
$('mute').addEventListener('click', toggleMute);
$('camera').addEventListener('click', toggleCamera);
buildKeypad();
detectServer();
