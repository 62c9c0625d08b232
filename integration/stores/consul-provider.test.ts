/** The provider suite against the Consul HTTP-API double (no real Consul can be installed here). */
import { providerSuite } from './provider-suite.ts';
import { consulTarget } from '../support/store-targets.ts';

providerSuite('consul', consulTarget);
