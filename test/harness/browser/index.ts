// Browser harness for end-to-end tests: headless Chromium with fake media, pages running the real ConnectyCube SDK.
export { chromiumArgs, chromiumExecutable, launchChromium, type ChromiumOptions } from './chromium.ts';
export { SdkPage, type SdkEvent, type SdkPageOptions, type SdkTarget, type ToneSource } from './sdkPage.ts';
export { ensureNonLoopbackInterface, type NonLoopbackInterface } from './nonLoopbackInterface.ts';
export { writeToneWav } from './toneWav.ts';
