/** The provider suite against a real etcd 3.4 (Debian etcd-server). */
import { providerSuite } from './provider-suite.ts';
import { etcdTarget } from '../support/store-targets.ts';

providerSuite('etcd', etcdTarget);
