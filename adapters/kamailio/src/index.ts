// @cubebridge/adapter-kamailio: the SIP adapter with Kamailio defaults, plus the kamailio.cfg it is tested with.
export {
  type KamailioAccount,
  type KamailioOptions,
  kamailio,
  kamailioAdapterOptions,
  kamailioDefaults,
} from './kamailio.ts';
