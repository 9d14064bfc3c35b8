/**
 * The extension's public key (manifest `key`) pins its id, so enterprise policy
 * (`3rdparty.extensions.<id>`) and ExtensionInstallForcelist can name it. This is the
 * development key: only its PUBLIC half exists (the private half was discarded when it was made),
 * so it can pin an unpacked build's id but can sign nothing. A clinic that self-hosts sets
 * SCRIBE_EXTENSION_KEY to the public key of its own signing key (docs/deploy.md).
 */
export const DEV_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkwtHk6nBeBkBGAham2x/QaqxIiY4z7w3QhCSUpKBHAcSE0Mz7CTnRYSxtpcSxC5gqugzIFWm0F43MswZ6yg7rs+3g7IqBtVJfoQsqe6LoeuMA47kCWt97VRXfy/vx/2O+GIDsg9Lrt1x0SzWM7P5BV1Aq0Bj9RoUvY6UlXjFND+k6VUxvgABRM6r177/fbu2LAgcZPYLXwqCuDBgzJmIJ9jGXiXRJ77psychlAM5SPrqiplDLiqkqBWd8RHws5UbMUATxrmD1yRtciUQVoxpaGT1oIv+eYsI9K6ICzDVPIjUJ+kQzfPKyDkhpkoAu67tbi0a52MYd+bmhmg0iz6NbQIDAQAB';
export const DEV_EXTENSION_ID = 'jdhhmhkaghlpepjeeneoajkhecnbjenh';
