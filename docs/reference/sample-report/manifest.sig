{
  "format": "croupier-report-signature/1",
  "algorithm": "ed25519",
  "signed": "manifest.json",
  "manifest_sha256": "512d1678a5e3352f0797f9b7aebc006abe62b75145d3d8393b7c06384866e91a",
  "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAKb8hOtFuriYIAlfyrjah/KYL0e3/1btJW7gmoqOv4Cw=\n-----END PUBLIC KEY-----\n",
  "public_key_fingerprint": "sha256:dac8bdd5f37bb103",
  "signature": "47cd0a06f1c84040b54a9efcf30751216166aa20ff04d2f5a527bd3ddba74bf259c78ff651dda5b9155b3e2b4270442252c9eacd092d3beb5d8529b155865a02"
}
