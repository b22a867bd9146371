#!/bin/sh
# Regenerates the checked-in seeds of the mutation corpus with the peer tools (openssl, keytool).
# Small on purpose: two EC P-256 certificates. The password is the corpus's, not a secret.
set -eu
cd "$(dirname "$0")"
PW=seed-pass
rm -f ./*.pem ./*.der ./*.p12 ./*.jks ./*.jceks ./*.p7b ./*.p7c ./*.key
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout a.key -out a.pem -days 3650 -subj "/CN=Seed A/O=CertHeal Lab" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout b.key -out b.pem -days 3650 -subj "/CN=Seed B/O=CertHeal Lab" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl x509 -in a.pem -outform DER -out cert.der
{ echo "# bundle with text around and between blocks"; cat a.pem; echo "garbage line between blocks"; printf '\001\002 binary junk\n'; cat b.pem; echo "trailer"; } > bundle-with-garbage.pem
cat a.pem b.pem > bundle.pem
openssl crl2pkcs7 -nocrl -certfile bundle.pem -outform DER -out bundle.p7b
openssl crl2pkcs7 -nocrl -certfile bundle.pem -out bundle-pem.p7c
openssl pkcs12 -export -nokeys -in bundle.pem -out certs-password.p12 -passout pass:$PW
openssl pkcs12 -export -nokeys -in bundle.pem -out certs-nopassword.p12 -passout pass: -certpbe NONE -nomac
openssl pkcs12 -export -in a.pem -inkey a.key -out key-legacy.p12 -passout pass:$PW -legacy 2>/dev/null || true
keytool -importcert -noprompt -alias a -file a.pem -keystore trust.jks -storetype JKS -storepass $PW >/dev/null 2>&1
keytool -importcert -noprompt -alias b -file b.pem -keystore trust.jks -storetype JKS -storepass $PW >/dev/null 2>&1
keytool -importcert -noprompt -alias a -file a.pem -keystore trust.jceks -storetype JCEKS -storepass $PW >/dev/null 2>&1
keytool -importkeystore -srckeystore certs-password.p12 -srcstoretype PKCS12 -srcstorepass $PW -destkeystore mixed.jks -deststoretype JKS -deststorepass $PW >/dev/null 2>&1 || true
openssl pkcs12 -export -in a.pem -inkey a.key -out key.p12 -passout pass:$PW
keytool -importkeystore -srckeystore key.p12 -srcstoretype PKCS12 -srcstorepass $PW -destkeystore key.jks -deststoretype JKS -deststorepass $PW >/dev/null 2>&1
rm -f a.key b.key a.pem b.pem mixed.jks
ls -l
