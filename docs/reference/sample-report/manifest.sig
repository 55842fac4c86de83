{
  "format": "croupier-report-signature/1",
  "algorithm": "ed25519",
  "signed": "manifest.json",
  "manifest_sha256": "9ce1ae8c5c29d5df1fc200368cecebd14be0ce31c4405e2434302c19a54a77ae",
  "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAKb8hOtFuriYIAlfyrjah/KYL0e3/1btJW7gmoqOv4Cw=\n-----END PUBLIC KEY-----\n",
  "public_key_fingerprint": "sha256:dac8bdd5f37bb103",
  "signature": "dbfcf08f9555bf039a59d0c99e7a8b17312032b0e0b214d380ad4fc205e7fa5fa1fd19a8b61b4b4fecd9f05be2e7d8d6b6f6fa5ec13b78e69c99e200c2f3330b"
}
