{
  "format": "croupier-report-signature/1",
  "algorithm": "ed25519",
  "signed": "manifest.json",
  "manifest_sha256": "c56deeceed4117572ec3db17f45b6237afc27b36b64b35f6f1e216e0a6361788",
  "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAHEcF54YsNSCmy8iQ7AdttUbyih1nKwlU/rR+jdaZ/Hg=\n-----END PUBLIC KEY-----\n",
  "public_key_fingerprint": "sha256:b59ad2761a660461",
  "signature": "5675e83fac79d996fef6f4cf9d51171e62ae30fe57f90df0ab330ce50a0c592f7cadb2e587042506eab2e0ba5e53818ba053a2b093e5587166890a9a5004ae06"
}
