{
  "format": "croupier-report-signature/1",
  "algorithm": "ed25519",
  "signed": "manifest.json",
  "manifest_sha256": "94ffcec68c528582ae7dcb80171560553ea09d63851c6a6c91231d5ede9aa2cb",
  "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAKb8hOtFuriYIAlfyrjah/KYL0e3/1btJW7gmoqOv4Cw=\n-----END PUBLIC KEY-----\n",
  "public_key_fingerprint": "sha256:dac8bdd5f37bb103",
  "signature": "d437977cee6306e69cd7e5374fa733c81dff177a536add87372d0de60b6b8d6a4d263ea3821bb4677974280f100f3423e2e1c6cb51e06348916a1b3e77d27107"
}
