{
  "format": "croupier-report-signature/1",
  "algorithm": "ed25519",
  "signed": "manifest.json",
  "manifest_sha256": "692e71a9112851d1062967baf1798cedee3351c4e957dbfd79410bb7acbc1d3c",
  "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAKb8hOtFuriYIAlfyrjah/KYL0e3/1btJW7gmoqOv4Cw=\n-----END PUBLIC KEY-----\n",
  "public_key_fingerprint": "sha256:dac8bdd5f37bb103",
  "signature": "71ba816d730986922a144bda51490da9affa9ea4f52736b51e9208869e83a7efe50460cfd9c686a1c3d6130a7e8b40d2d286e7cb357f73c3f3c54323240e6708"
}
