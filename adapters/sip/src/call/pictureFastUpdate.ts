// Keyframe requests over SIP INFO (`application/media_control+xml`, the XML schema of RFC 5168), for video
// phones without RTCP feedback: we send one when the relay wants a keyframe, and pass on the phone's.

export const mediaControlType = 'application/media_control+xml';

export const pictureFastUpdateBody =
  '<?xml version="1.0" encoding="utf-8" ?>\r\n' +
  '<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>\r\n';

export function isPictureFastUpdate(contentType: string, body: string): boolean {
  return (
    contentType.toLowerCase().split(';')[0]?.trim() === mediaControlType &&
    /<picture_fast_update\s*\/?>/.test(body)
  );
}
