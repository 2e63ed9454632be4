// @cubebridge/media-werift — the media relay: SIP RTP/SRTP leg ⇄ WebRTC leg on werift, with codecs, DTMF and stats.

export { WeriftRelay, weriftRelay } from './WeriftRelay.ts';
export { default, optionsFromConfig } from './fromConfig.ts';
export { configSchema } from './WeriftConfigSchema.ts';
export type { WeriftRelayOptions } from './WeriftRelayOptions.ts';
export { WeriftMediaSession } from './WeriftMediaSession.ts';
export { SipLeg } from './SipLeg.ts';
export { WebRtcLeg } from './WebRtcLeg.ts';
export { WeriftMediaTap } from './MediaTap.ts';
export {
  MediaClosedError,
  MediaConfigError,
  NegotiationStateError,
  PortRangeExhaustedError,
  SdpParseError,
  UnsupportedMediaError,
} from './errors.ts';
export { SrtpContext, type SrtpSuite } from './srtp/SrtpContext.ts';
export type { SrtpMode } from './srtp/SdesNegotiator.ts';
export { estimateMos } from './stats/EModel.ts';
