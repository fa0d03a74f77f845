/**
 * The simulated image registry the kubelet pulls from. There is no registry,
 * so the rule is a convention (README): every well-formed reference pulls,
 * except one whose tag is `missing`, which does not exist. A malformed
 * reference is the kubelet's InvalidImageName (never retried); a missing image
 * is ErrImagePull, then ImagePullBackOff between retries, as with containerd.
 */

export type ImagePull = { kind: 'ok' } | { kind: 'invalid'; message: string } | { kind: 'missing'; message: string };

/** The tag that names an image the simulated registry does not have. */
export const MISSING_TAG = 'missing';

// distribution/reference grammar, reduced: [domain[:port]/]path[:tag][@digest].
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::([\\w][\\w.-]{0,127}))?(?:@sha256:[a-f0-9]{64})?$`);

/** `nginx:1` → `docker.io/library/nginx:1`, as containerd names what it pulls. */
export function normalizeImage(image: string): string {
  const first = image.split('/')[0] ?? '';
  const hasDomain = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain) {
    return image;
  }
  return image.includes('/') ? `docker.io/${image}` : `docker.io/library/${image}`;
}

export function pullImage(image: string): ImagePull {
  const match = REFERENCE.exec(image);
  if (!match || image.length > 255) {
    return { kind: 'invalid', message: `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format` };
  }
  if (match[1] === MISSING_TAG) {
    const ref = normalizeImage(image);
    return {
      kind: 'missing',
      message: `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
    };
  }
  return { kind: 'ok' };
}
