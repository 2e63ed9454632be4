// Two werift peers connected over loopback ICE and DTLS-SRTP (a browser-like offerer and a gateway-like answerer,
// PCMU, max-bundle), for tests and benchmarks of what happens on the gateway's transport.

import { RTCPeerConnection, type RTCRtpTransceiver, usePCMU } from 'werift';
import { waitFor } from '../../../test/harness/sip/processes.ts';

function loopbackPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: { audio: [usePCMU()] },
    bundlePolicy: 'max-bundle',
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceFilterStunResponse: (_message, address) => address[0] === '127.0.0.1',
  });
}

async function gathered(pc: RTCPeerConnection): Promise<string> {
  await waitFor('ICE gathering', () => pc.iceGatheringState === 'complete');
  return pc.localDescription?.sdp ?? '';
}

/** Connected, and the gateway's DTLS transport (hence its SRTP) up. */
export async function connectedWeriftPair(): Promise<{
  browser: RTCPeerConnection;
  gateway: RTCPeerConnection;
}> {
  const browser = loopbackPeer();
  const gateway = loopbackPeer();
  browser.addTransceiver('audio', { direction: 'sendrecv' });
  await browser.setLocalDescription(await browser.createOffer());
  await gateway.setRemoteDescription({ type: 'offer', sdp: await gathered(browser) });
  await gateway.setLocalDescription(await gateway.createAnswer());
  await browser.setRemoteDescription({ type: 'answer', sdp: await gathered(gateway) });
  await waitFor(
    'both peers connected',
    () =>
      browser.connectionState === 'connected' &&
      gateway.connectionState === 'connected' &&
      firstTransceiver(gateway).receiver.dtlsTransport?.state === 'connected',
  );
  return { browser, gateway };
}

export function firstTransceiver(pc: RTCPeerConnection): RTCRtpTransceiver {
  const transceiver = pc.getTransceivers()[0];
  if (!transceiver) throw new Error('no transceiver');
  return transceiver;
}
