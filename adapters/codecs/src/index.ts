// @cubebridge/codecs — the codecs shared by the media relays and the recording worker: G.711 (μ-law and A-law)
// and G.722 written here, Opus through libopus (@evan/opus), resampling between their rates, and the catalogue
// of names, static payload types and clock rates SDP uses for audio and video codecs.
export {
  type AudioCodecName,
  type CodecDescription,
  type VideoCodecName,
  audioCodecName,
  rtpClockRate,
  sampleRate,
  sipAudioCodecs,
  sipVideoCodecs,
  staticPayloadTypes,
  TELEPHONE_EVENT,
  videoCodecName,
} from './CodecCatalog.ts';
export {
  type AudioDecoder,
  type AudioEncoder,
  createDecoder,
  createEncoder,
  resample,
} from './AudioCodecs.ts';
export { alawToLinear, decodeG711, encodeG711, linearToAlaw, linearToMulaw, mulawToLinear } from './G711.ts';
export { G722Decoder, G722Encoder } from './G722.ts';
