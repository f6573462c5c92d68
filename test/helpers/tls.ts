import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './paths.js';

const run = promisify(execFile);

/** A certificate and its private key, as PEM files. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface ServerCertOptions {
  /** DNS names for the subjectAltName (default: localhost). */
  dns?: string[];
  /** IP addresses for the subjectAltName (default: 127.0.0.1). */
  ips?: string[];
}

export interface ClientCertOptions {
  /** Encrypts the private key with this passphrase. */
  passphrase?: string;
}

/**
 * A throwaway certificate authority made with openssl in a temporary directory, issuing server and
 * client certificates (P-256 keys: quick to make on a busy machine).
 */
export class TestCa {
  readonly dir: string;
  /** The CA's certificate (what clients and brokers trust). */
  readonly cert: string;
  readonly key: string;
  readonly #remove: () => Promise<void>;

  private constructor(dir: string, remove: () => Promise<void>) {
    this.dir = dir;
    this.cert = join(dir, 'ca.crt');
    this.key = join(dir, 'ca.key');
    this.#remove = remove;
  }

  static async create(name = 'Switchboard Test CA'): Promise<TestCa> {
    const dir = await tempDir('switchboard-tls-');
    const ca = new TestCa(dir.path, dir.remove);
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', ca.key, '-out', ca.cert]);
    return ca;
  }

  /** A server certificate whose subjectAltName lists exactly the given names. */
  async server(name: string, options: ServerCertOptions = {}): Promise<KeyPair> {
    const dns = options.dns ?? ['localhost'];
    const ips = options.ips ?? ['127.0.0.1'];
    const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
    return this.#issue(name, ['extendedKeyUsage=serverAuth', ...(san ? [`subjectAltName=${san}`] : [])], undefined);
  }

  /** A client certificate (CN = `name`), its key optionally encrypted. */
  async client(name: string, options: ClientCertOptions = {}): Promise<KeyPair> {
    return this.#issue(name, ['extendedKeyUsage=clientAuth'], options.passphrase);
  }

  remove(): Promise<void> {
    return this.#remove();
  }

  async #issue(name: string, extensions: string[], passphrase: string | undefined): Promise<KeyPair> {
    const key = join(this.dir, `${name}.key`);
    const csr = join(this.dir, `${name}.csr`);
    const cert = join(this.dir, `${name}.crt`);
    const ext = join(this.dir, `${name}.ext`);
    const pass = passphrase === undefined ? [] : ['-pass', `pass:${passphrase}`];
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', ...(passphrase === undefined ? [] : ['-aes-256-cbc']), ...pass, '-out', key]);
    await openssl(['req', '-new', '-key', key, ...(passphrase === undefined ? [] : ['-passin', `pass:${passphrase}`]), '-subj', `/CN=${name}`, '-out', csr]);
    await writeFile(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions].join('\n') + '\n');
    await openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-extfile', ext, '-out', cert]);
    return { cert, key };
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`);
  }
}
