#!/usr/bin/env python3
"""Writes en-US/CertHeal.dll-Help.xml (MAML) from the help text below.

The module's metadata test fails when a cmdlet or parameter is missing here, so edit
HELP, run `python3 tools/make_help.py`, and commit both files.
"""
from xml.sax.saxutils import escape
import os

COMMON_TARGET = ("Target", "string[]", True, "0", "True (ByValue, ByPropertyName)", "None",
    "The server to test: host, host:port, [IPv6]:port, or an https://host:port/path URL. Also binds by property name from objects with a Target, ComputerName, HostName, Host or Uri property (Import-Csv rows, HandshakeResult objects). A port written in the target wins over -Port. A target that cannot be parsed is a non-terminating error (ErrorId CertHeal.InvalidTarget); the other targets still run.",
    "ComputerName, HostName, Host, Uri")
COMMON_PORT = ("Port", "int", False, "named", "True (ByPropertyName)", "443",
    "The port to use when a target has none. Binds by property name, so objects with ComputerName and Port properties work as they are.")
COMMON_SNI = ("ServerName", "string", False, "named", "True (ByPropertyName)", "the target's host",
    "The name sent as SNI and checked against the certificate, when it differs from the host you connect to (for example when connecting to an IP address or a load balancer).")
COMMON_TIMEOUT = ("TimeoutSec", "int", False, "named", "False", "10",
    "Seconds allowed for the TCP connection and the TLS handshake together (1 to 600). A server that accepts but never answers is reported as Timeout when this runs out.")
COMMON_THROTTLE = ("ThrottleLimit", "int", False, "named", "False", "32",
    "How many targets are probed at the same time (1 to 1024). A progress bar shows how many are done; Ctrl+C stops all of them promptly.")
COMMON_KEYSTORE = ("Keystore", "string", False, "named", "False", "the system's roots",
    "A keystore of trusted certificates to judge the server's chain against, instead of this machine's root store: a PEM bundle, a DER certificate, a JKS truststore (read without its password, as keytool does), a PKCS#12 file that has no password, or a folder of certificate files. The format is detected from the content. Resolved through the PowerShell provider, relative to the current location. A keystore that cannot be read stops the command, because nothing could be judged.")
COMMON_KEYSTORE_PASSWORD = ("KeystorePassword", "SecureString", False, "named", "False", "None",
    "The password of -Keystore: a PKCS#12 truststore whose certificates are encrypted (keytool's default) needs it; a JKS, and a PKCS#12 with an empty or no password, are read without it. With it, the keystore's integrity check is verified too.")
COMMON_KEYSTORE_CREDENTIAL = ("KeystoreCredential", "PSCredential", False, "named", "False", "None",
    "The password of -Keystore as a credential (the user name is ignored).")
COMMON_NOAIA = ("NoAia", "SwitchParameter", False, "named", "False", "False",
    "Do not follow the certificates' AIA caIssuers URLs. Without it, at most 10 http/https fetches per chain are made (5 s and 1 MiB each), cached for the run.")

HELP = [
  dict(
    verb="Test", noun="TlsHandshake",
    synopsis="Tells exactly why a TLS handshake with a server fails.",
    description=[
      "Test-TlsHandshake connects to each target (ConnectTime), performs a TLS handshake with SNI (HandshakeTime), and captures the protocol, the cipher suite and the certificates the server presents. It accepts any certificate during the handshake, so it can report what an untrusted server sends, and then judges the chain itself the way Java, curl and OpenSSL do: no AIA downloads and no help from a local download cache, anchors only from this machine's root store (or -Keystore). An incomplete chain therefore shows as IncompleteChain even where .NET alone would have fetched the missing intermediate.",
      "Each target produces one CertHeal.HandshakeResult. A failed handshake is an output object, not an error: Succeeded is false, Failure names the cause (IncompleteChain, UntrustedRoot, SelfSigned, Expired, NotYetValid, NameMismatch, Revoked, ClientCertificateRequired, ProtocolMismatch, NotTls, ConnectionRefused, Timeout, NameResolution, Other; StartTlsRefused and ProxyRefused are reserved for STARTTLS and proxy probing, which this version does not do), Reason says it in one sentence, Healable says whether the client side can fix it, and Recommendation gives the command that would. When the chain is incomplete, AiaWouldComplete tells whether the certificates' AIA URLs would complete it (found by a bounded fetch after the verdict, which does not change it; -NoAia skips it).",
      "Only targets that cannot be parsed are errors (ErrorId CertHeal.InvalidTarget); they are non-terminating, so the other targets still run. Targets are probed in parallel (-ThrottleLimit) and results are emitted as they complete, so their order can differ from the input order.",
    ],
    params=[COMMON_TARGET, COMMON_PORT, COMMON_SNI, COMMON_TIMEOUT,
      ("Protocol", "TlsProtocol[]", False, "named", "False", "the machine's defaults",
        "Probe each listed TLS version separately (Tls10 or Tls, Tls11, Tls12, Tls13) and emit one result per version; RequestedProtocol tells which. A version this machine's own TLS policy forbids (TLS 1.0 and 1.1 under OpenSSL 3) is reported as such, not as a server refusal; BouncyCastle then tells whether the server accepts it and captures the chain."),
      ("ClientCertificate", "X509Certificate2", False, "named", "False", "None",
        "A certificate with its private key to offer when the server asks for one (mutual TLS). Without it, a server that requires a client certificate is reported as ClientCertificateRequired."),
      COMMON_KEYSTORE, COMMON_KEYSTORE_PASSWORD, COMMON_KEYSTORE_CREDENTIAL, COMMON_NOAIA, COMMON_THROTTLE],
    inputs=[("System.String", "Targets, by value or by property name (Target, ComputerName, HostName, Host, Uri).")],
    outputs=[("CertHeal.HandshakeResult", "One per target (one per target and protocol with -Protocol).")],
    notes="Healable is true for IncompleteChain (healed by the default trust policy) and for UntrustedRoot and SelfSigned (healed only by pinning the fingerprint that Recommendation names). Expired, NotYetValid and NameMismatch describe the server's certificate, which only the server can fix.",
    examples=[
      ("Why does the handshake with one server fail?", "Test-TlsHandshake api.example.com",
        "Connects to api.example.com:443 and shows Target, Succeeded, Failure, Protocol, HandshakeTime and Reason. Use Format-List * to see the presented chain, the recommendation and the timings."),
      ("Test many servers and keep the ones the client side can heal", "'a.example.com:443', 'b.example.com:8443', 'https://c.example.com/health' |\n    Test-TlsHandshake -ThrottleLimit 16 |\n    Where-Object Healable |\n    Select-Object Target, Failure, Recommendation",
        "Targets are probed 16 at a time with a progress bar. Objects with ComputerName and Port properties (for example from Import-Csv) bind the same way."),
      ("Which TLS versions does a server accept?", "Test-TlsHandshake mail.example.com -Port 993 -Protocol Tls12, Tls13 |\n    Format-Table Target, RequestedProtocol, Succeeded, Reason",
        "One result per version. A version the server refuses shows Failure ProtocolMismatch."),
      ("Judge a server against a private truststore instead of the system", "Test-TlsHandshake 10.0.0.5:8443 -ServerName api.internal -Keystore ./truststore.pem",
        "Connects to the IP address, sends api.internal as SNI and checks the certificate against that name and the roots in truststore.pem."),
      ("Check an inventory of endpoints from a CSV file in a scheduled job", "# endpoints.csv has the columns ComputerName,Port\nImport-Csv ./endpoints.csv | Test-TlsHandshake -TimeoutSec 5 |\n    Where-Object { -not $_.Succeeded } |\n    Export-Csv ./tls-failures.csv -NoTypeInformation",
        "ComputerName and Port bind by property name. A failed handshake is an output object, not an error, so the job writes every failure with its Reason and Recommendation and never stops at the first one."),
    ],
    links=["Get-ServerCertificateChain", "about_CertHeal"],
  ),
  dict(
    verb="Get", noun="ServerCertificateChain",
    synopsis="Gets the exact certificate chain a server presents, completed from the trust store and AIA, as pipeline objects.",
    description=[
      "Get-ServerCertificateChain makes one TLS handshake per target and emits one CertHeal.ChainCertificate per certificate the server sent, in the order it sent them (Position 0 is the leaf), even when the chain is untrusted, expired, for another name, or the server wants a client certificate. Duplicates, certificates sent out of order and unrelated extra certificates are shown as sent and flagged in Status and Note.",
      "When the path to a root is incomplete, the missing certificates are taken from the trust store (the system's roots, or -Keystore) and then fetched from the certificates' AIA caIssuers URLs (DER or PKCS#7). Those are emitted after the presented ones with Source = System, Keystore or Aia. AIA is bounded: http and https only, at most 10 fetches per chain, 5 seconds and 1 MiB per fetch, each URL once per run; -NoAia turns it off.",
      "Every object carries Pem, so a deserialized copy (remoting, ConvertTo-Json) can still be merged into a keystore. -OutFile writes the completed chain, leaf first, as a PEM bundle.",
      "A target whose handshake yields no certificate (refused, timed out, not TLS) is a non-terminating error with ErrorId CertHeal.NoCertificate; unparseable targets are CertHeal.InvalidTarget.",
    ],
    params=[COMMON_TARGET, COMMON_PORT, COMMON_SNI, COMMON_TIMEOUT, COMMON_NOAIA, COMMON_KEYSTORE, COMMON_KEYSTORE_PASSWORD, COMMON_KEYSTORE_CREDENTIAL,
      ("OutFile", "string", False, "named", "False", "None",
        "Write the completed chains of all targets (leaf first, no duplicates or unrelated certificates) to this PEM bundle, through a temporary file and a rename. Resolved through the PowerShell provider."),
      COMMON_THROTTLE],
    inputs=[("System.String", "Targets, by value or by property name."), ("CertHeal.HandshakeResult", "Binds Target, Port and ServerName by property name.")],
    outputs=[("CertHeal.ChainCertificate", "One per certificate: presented ones first, then the ones that complete the path.")],
    notes="The chain is collected with a single handshake per target; no second connection is made to get it.",
    examples=[
      ("Show what a server presents", "Get-ServerCertificateChain api.example.com",
        "Shows Position, Role, Source, Subject, NotAfter, Status and Thumbprint for each certificate, grouped by target."),
      ("Collect the chains of the servers that can be healed", "Test-TlsHandshake a.example.com, b.example.com | Where-Object Healable | Get-ServerCertificateChain",
        "HandshakeResult objects bind Target, Port and ServerName by property name."),
      ("Save the completed chain as a PEM bundle", "Get-ServerCertificateChain intranet.example.com:8443 -OutFile ./intranet-chain.pem | Where-Object Source -eq 'Aia'",
        "Writes the leaf, the intermediates fetched by AIA and the root to intranet-chain.pem and shows which certificates came from AIA."),
      ("Collect on a machine that can reach the server, merge on one that cannot", "# On the jump host:\nGet-ServerCertificateChain db.internal.example.com:5432 | Export-Clixml ./db-chain.xml\n# On the application server:\nImport-Clixml ./db-chain.xml | Merge-Keystore -Path /opt/app/truststore.jks -Password $pw -SkipValidation",
        "Deserialized ChainCertificate objects keep their Pem property, so they merge like live ones (the same holds for Invoke-Command and background jobs). -SkipValidation because the application server cannot reach the endpoint to confirm the merged keystore."),
    ],
    links=["Test-TlsHandshake", "about_CertHeal"],
  ),
  dict(
    verb="Merge", noun="Keystore",
    synopsis="Merges certificates into a keystore under an explicit trust policy, atomically, losing nothing.",
    description=[
      "Merge-Keystore adds the certificates it is given (from the pipeline or -Certificate) to a PEM bundle, DER file, PKCS#12, JKS, folder of certificate files or (on Windows) a certificate store. The format is detected from the content; -Format names it for a new keystore or overrides detection.",
      "The trust policy decides what may go in. ChainToTrusted (the default) adds a certificate only if, with it added, its chain builds to a root the keystore or this machine already trusts: it heals missing intermediates and renewed certificates and never adds a new root. Pinned also adds a root or self-signed certificate whose SHA-256 fingerprint is given with -TrustedFingerprint. TrustOnFirstUse adds what the server presents and asks for confirmation of every new trust anchor unless -Force or -Confirm:$false is given. A fingerprint named in -TrustedFingerprint is the consent for that anchor: it is never asked about, under any policy. -ApprovalScript decides instead of a person. A session that cannot ask (pwsh -NonInteractive, a runbook or an app hosting PowerShell without a UI) gets a non-terminating error CertHeal.TrustRefused per unapproved anchor, naming its fingerprint and the parameter that approves it; the rest of the merge still happens. -WhatIf never asks and never writes. Expired and not-yet-valid certificates are never added; a server certificate is not stored when its issuer makes it trusted anyway.",
      "An incoming certificate that renews an entry (same subject and issuer, later expiry) replaces it under the same alias when the old one has expired, and is otherwise added beside it unless -RemoveSuperseded. The same certificate twice is Unchanged; skipped certificates are reported with the reason.",
      "The write is atomic: under a lock file, the keystore is re-read, changed, written to a temporary file in the same folder, read back and compared, the previous version is kept as <name>.bak, and a rename replaces it. Entries the merge does not touch, private keys included, are written back byte for byte. When nothing changes, nothing is written.",
      "One CertHeal.KeystoreChange is always written to the pipeline, with one entry per incoming certificate (Added, Replaced, Unchanged or Skipped, with the reason).",
    ],
    params=[
      ("Path", "string", False, "0", "True (ByPropertyName)", "$HOME/.certheal/truststore.pem (or $env:CERTHEAL_KEYSTORE)",
        "The keystore to merge into; wildcards are allowed if they match exactly one file. Binds KeystoreLocation.Path by property name, so Find-Keystore | Merge-Keystore -Certificate $chain merges into every store found (one KeystoreChange each). Created when it does not exist (its extension chooses the format: .jks, .p12/.pfx, .der/.cer, a trailing slash for a folder, anything else PEM)."),
      ("LiteralPath", "string", True, "named", "False", "None",
        "The keystore path, used exactly as typed (no wildcards)."),
      ("Certificate", "X509Certificate2[]", True, "named", "True (ByValue)", "None",
        "The certificates to merge: X509Certificate2 objects, ChainCertificate objects (also deserialized ones, through their Pem or RawData), PEM text, or certificate file paths."),
      ("Format", "KeystoreFormat", False, "named", "False", "detected from the content",
        "PemBundle, Der, Pkcs12, Jks, Directory or WindowsStore."),
      ("Password", "SecureString", False, "named", "False", "None",
        "The keystore password (JKS and PKCS#12). It never appears in output, logs or errors."),
      ("Credential", "PSCredential", False, "named", "False", "None",
        "The keystore password as a credential (the user name is ignored)."),
      ("TrustPolicy", "TrustPolicy", False, "named", "False", "ChainToTrusted",
        "ChainToTrusted, Pinned or TrustOnFirstUse; see the description."),
      ("TrustedFingerprint", "string[]", False, "named", "False", "None",
        "SHA-256 fingerprints (hex, colons allowed) of roots or self-signed certificates that the Pinned policy may add as new trust anchors. Naming a fingerprint is the consent for that one anchor: no prompt and no -Force, also in runbooks and pwsh -NonInteractive. Test-TlsHandshake's Recommendation names the fingerprint; check it with the server's owner first."),
      ("RemoveSuperseded", "SwitchParameter", False, "named", "False", "False",
        "Replace a still-valid entry that an incoming certificate renews, instead of keeping both."),
      ("Force", "SwitchParameter", False, "named", "False", "False",
        "Add the new trust anchors that TrustOnFirstUse would ask about (those not named in -TrustedFingerprint) without asking. Prefer -TrustedFingerprint, which approves exactly one anchor."),
      ("Target", "string", False, "named", "True (ByPropertyName)", "None",
        "The endpoint a certificate came from; bound from ChainCertificate.Target. Before the merged keystore replaces the old one, each such endpoint must handshake with the merged keystore as its only trust store; if one fails, the old keystore stays and the error says which endpoint fails and why."),
      ("SkipValidation", "SwitchParameter", False, "named", "False", "False",
        "Write the merged keystore without handshaking with the endpoints the certificates came from (for offline merges)."),
      ("ApprovalScript", "ScriptBlock", False, "named", "False", "None",
        "Receives the KeystoreChangeEntry objects of the certificates that would become new trust anchors ($args) and must return $true for them to be added: the hook for runbooks that ask a ticketing system or a person."),
      ("LedgerPath", "string", False, "named", "False", "$env:CERTHEAL_LEDGER, else ledger.json beside the per-user keystore",
        "The trust ledger that records every certificate this merge adds or renews (public certificate, SHA-256, source endpoint, approving policy or fingerprint, time, keystore), so Sync-Keystore can re-apply it after an upgrade. Never a password or a key."),
      ("Pkcs12Encryption", "Pkcs12Encryption", False, "named", "False", "None (certificates unencrypted under an HMAC-SHA256 MAC)",
        "How a PKCS#12 file that this merge creates is protected: Aes (PBES2 with AES-256-CBC and an HMAC-SHA256 MAC, as keytool 17 and OpenSSL 3 write) or Legacy (pbeWithSHAAnd3-KeyTripleDES-CBC and an HMAC-SHA1 MAC, for Java 8, OpenSSL 1.x and older Windows). An existing PKCS#12 always keeps its own algorithms, MAC or no MAC."),
    ],
    inputs=[("System.Security.Cryptography.X509Certificates.X509Certificate2", "Certificates."), ("CertHeal.ChainCertificate", "Output of Get-ServerCertificateChain, live or deserialized."), ("System.String", "PEM text or certificate file paths.")],
    outputs=[("CertHeal.KeystoreChange", "One per keystore: what was (or, with -WhatIf, would be) written.")],
    notes="Supports -WhatIf and -Confirm. A keystore that cannot be read (wrong password, corrupt, locked by another writer for more than 30 seconds, read-only) is a terminating error that leaves it as it was.",
    examples=[
      ("Heal a Java truststore from a server's chain", "$pw = Read-Host -AsSecureString 'truststore password'\nGet-ServerCertificateChain host.example.com | Merge-Keystore -Path ./truststore.jks -Password $pw",
        "Adds the intermediates that chain to a root the keystore or the system trusts; the KeystoreChange says what was added and why anything was skipped."),
      ("Trust a private root after checking its fingerprint", "Get-ServerCertificateChain intranet.example.com |\n    Merge-Keystore -Path ./truststore.pem -TrustPolicy Pinned -TrustedFingerprint 7A2DA4CAE2F4B97A9DA48F9D49EB5A5AAB5C03B7281BEBF4DCD5D137FF8690AD",
        "Only the root with that SHA-256 fingerprint (and what chains to it) is added."),
      ("See what would change without writing", "Get-ChildItem ./incoming/*.pem | Merge-Keystore -Path ./truststore.p12 -Credential $cred -WhatIf",
        "Files are read as certificates; -WhatIf reports the plan and writes nothing."),
      ("Pin a private root in a runbook (no prompt, no -Force)", "$pw = ConvertTo-SecureString $env:STOREPASS -AsPlainText\nGet-ServerCertificateChain intranet.example.com |\n    Merge-Keystore -LiteralPath '/opt/app/conf/truststore[prod].jks' -Password $pw -TrustPolicy Pinned -TrustedFingerprint $env:INTRANET_ROOT_SHA256 -ErrorAction Stop",
        "The fingerprint named in -TrustedFingerprint is the consent, so this runs unattended (Azure Automation, Jenkins, scheduled tasks). -LiteralPath because the file name has brackets. A different root (a man in the middle) is skipped and reported."),
      ("Let a ticketing system approve new anchors", "Get-ServerCertificateChain partner.example.net |\n    Merge-Keystore -Path ./truststore.pem -TrustPolicy TrustOnFirstUse -ApprovalScript {\n        $approved = Invoke-RestMethod https://cmdb.example.com/approved-roots\n        @($args | Where-Object Sha256Fingerprint -notin $approved).Count -eq 0\n    }",
        "The script gets the KeystoreChangeEntry of every anchor that would become new ($args, one argument each) and returns $true to approve them all. Without approval each anchor is a CertHeal.TrustRefused error naming its fingerprint."),
    ],
    links=["Get-ServerCertificateChain", "Test-TlsHandshake", "about_CertHeal"],
  ),
  dict(
    verb="Confirm", noun="Keystore",
    synopsis="Validates a keystore: expiry, weak algorithms, duplicates, and whether endpoints handshake with it.",
    description=[
      "Confirm-Keystore reads a keystore of any format and emits one CertHeal.KeystoreReport. Each finding has a Severity (Error, Warning, Info) and a stable Code: Expired, ExpiringSoon, NotYetValid, WeakSignature (MD5/SHA-1; a warning below a root, info on a root), WeakKey (RSA below 2048 bits, EC below 256), NotACertificateAuthority (a server certificate used as an anchor), Duplicate, Superseded, Unreadable (an entry that does not parse; the rest is still judged), Integrity (wrong password or a failed MAC), EndpointFailed, RenewalAvailable, NonCanonicalTime (a warning: validity times that are not DER, which OpenSSL and Java read and .NET cannot; such a certificate is merged only into JKS and PKCS#12).",
      "With -Uri (or targets from the pipeline), each endpoint is handshaked with the keystore as its only trust store and the HandshakeResults are included. IsValid is false when any endpoint fails or any Error finding exists. Merge-Keystore runs the same validation on every merged keystore before it replaces the old one.",
    ],
    params=[
      ("Path", "string", False, "0", "True (ByPropertyName)", "$HOME/.certheal/truststore.pem (or $env:CERTHEAL_KEYSTORE)", "The keystore to validate; wildcards must match exactly one file. Binds KeystoreLocation.Path by property name, so Find-Keystore | Confirm-Keystore emits one report per store found (a store that cannot be read is then a non-terminating error)."),
      ("LiteralPath", "string", True, "named", "False", "None", "The keystore path, used exactly as typed."),
      ("Uri", "string[]", False, "named", "True (ByValue, ByPropertyName)", "None", "Endpoints (host, host:port or https:// URLs) that must handshake with this keystore as the trust store."),
      ("Port", "int", False, "named", "True (ByPropertyName)", "443", "The port for endpoints that name none. Binds by property name, so Import-Csv rows with ComputerName and Port columns work as they are."),
      ("Format", "KeystoreFormat", False, "named", "False", "detected from the content", "PemBundle, Der, Pkcs12, Jks, Directory or WindowsStore."),
      ("Password", "SecureString", False, "named", "False", "None", "The keystore password (JKS and PKCS#12)."),
      ("Credential", "PSCredential", False, "named", "False", "None", "The keystore password as a credential."),
      ("ExpiringWithin", "int", False, "named", "False", "30", "Entries that expire within this many days get an ExpiringSoon warning."),
      ("TimeoutSec", "int", False, "named", "False", "10", "Seconds allowed per endpoint handshake."),
      ("RenewBefore", "int", False, "named", "False", "0", "Days: with -Uri, report entries expiring this soon whose successor an endpoint already presents (Code RenewalAvailable), so audits find what Invoke-HealedRequest -RenewBefore would renew."),
      ("Ledger", "SwitchParameter", False, "named", "False", "False", "Compare the keystore with the trust ledger: every still-valid ledger entry the keystore lacks is a LedgerDrift warning (drift after an upgrade, for monitoring); Sync-Keystore restores them."),
      ("LedgerPath", "string", False, "named", "False", "$env:CERTHEAL_LEDGER, else ledger.json beside the per-user keystore", "The trust ledger to compare with; implies -Ledger."),
    ],
    inputs=[("System.String", "Endpoints, by value or by property name (Target, ComputerName).")],
    outputs=[("CertHeal.KeystoreReport", "One per keystore.")],
    notes="Use Where-Object on Findings to act on one Code, for example ($report.Findings | Where-Object Code -eq 'ExpiringSoon').",
    examples=[
      ("Audit a Java truststore", "$report = Confirm-Keystore ./truststore.jks -Credential $cred -ExpiringWithin 60\n$report.Findings | Format-Table Severity, Code, Alias, Message",
        "Lists expired, soon-to-expire and weak entries."),
      ("Check that the endpoints an app calls still handshake with its truststore", "'api.example.com', 'billing.example.com:8443' | Confirm-Keystore -Path ./truststore.pem",
        "IsValid is false if any endpoint fails; Endpoints holds each HandshakeResult."),
      ("Monitor drift after upgrades: which healed entries did an upgrade remove?", "Find-Keystore | Where-Object Kind -like 'Java*' | Confirm-Keystore -Ledger |\n    ForEach-Object { $_.Findings | Where-Object Code -eq 'LedgerDrift' }",
        "One report per store; each LedgerDrift finding names a ledger entry the store lacks. Sync-Keystore restores them."),
      ("Fail a deployment pipeline when the truststore would break a dependency", "$report = Confirm-Keystore -Path ./truststore.p12 -Password $pw -Uri https://api.example.com/, https://billing.example.com:8443/\nif (-not $report.IsValid) {\n    $report.Findings | Where-Object Severity -eq 'Error' | ForEach-Object { Write-Error \"$($_.Code): $($_.Message)\" }\n    exit 1\n}",
        "Runs unattended: every Error finding is written, and the job fails before the app ships with a truststore its endpoints do not handshake with."),
      ("Find entries to renew before they expire", "Confirm-Keystore ./truststore.jks -Credential $cred -Uri api.example.com -ExpiringWithin 45 -RenewBefore 45 |\n    ForEach-Object Findings | Where-Object Code -in 'ExpiringSoon', 'RenewalAvailable'",
        "RenewalAvailable means the server already presents the successor; Invoke-HealedRequest -RenewBefore 45 would replace the entry."),
    ],
    links=["Merge-Keystore", "Test-TlsHandshake", "about_CertHeal"],
  ),
  dict(
    verb="Invoke", noun="HealedRequest",
    synopsis="Sends one HTTPS request through the whole heal loop: fail, collect, merge, confirm, retry.",
    description=[
      "Invoke-HealedRequest sends the request with trust = this machine's roots + the keystore. When the handshake fails for a reason the client side can heal (an incomplete chain; a private root or self-signed certificate the trust policy allows), it collects the server's chain (AIA included), merges it into the keystore under the trust policy, confirms that the server handshakes with the merged keystore before it replaces the old one, and retries once. Failures it cannot heal (NameMismatch, Expired, Revoked, ProtocolMismatch, a policy refusal) are non-terminating errors with ErrorId CertHeal.HealRefused, and nothing is written.",
      "The output is one CertHeal.HealedResponse: StatusCode, Headers, Content, Healed, Attempts and Steps (Failed, Collected, Merged, Confirmed, Retried, Renewed), each with its duration; -Verbose narrates them.",
      "-RenewBefore renews ahead of the outage: when the handshake succeeds but a keystore entry expires within that many days and the server already presents its successor that the policy accepts, the successor replaces it (Step Renewed).",
      "-WhatIf diagnoses the server and shows what would be trusted, and sends nothing.",
    ],
    params=[
      ("Uri", "Uri", True, "0", "True (ByValue, ByPropertyName)", "None", "The https:// URL to request."),
      ("Method", "string", False, "named", "False", "GET", "The HTTP method (GET, POST, PUT, DELETE, ...)."),
      ("Headers", "IDictionary", False, "named", "False", "None", "Request headers, as a hashtable."),
      ("Body", "object", False, "named", "False", "None", "The request body: a string (sent as UTF-8) or a byte array."),
      ("ContentType", "string", False, "named", "False", "None", "The Content-Type of the body."),
      ("TimeoutSec", "int", False, "named", "False", "30", "Seconds allowed for the request, the handshakes and the heal."),
      ("Certificate", "X509Certificate2", False, "named", "False", "None", "A client certificate with its private key, for servers that require mutual TLS."),
      ("Keystore", "string", False, "named", "False", "$HOME/.certheal/truststore.pem (or $env:CERTHEAL_KEYSTORE)", "The keystore trusted alongside the system and healed into."),
      ("Password", "SecureString", False, "named", "False", "None", "The keystore password (JKS and PKCS#12)."),
      ("TrustPolicy", "TrustPolicy", False, "named", "False", "ChainToTrusted", "ChainToTrusted, Pinned or TrustOnFirstUse (see Merge-Keystore)."),
      ("TrustedFingerprint", "string[]", False, "named", "False", "None", "SHA-256 fingerprints the Pinned policy may add as new trust anchors. Naming a fingerprint is the consent for that anchor: no prompt and no -Force, also in runbooks."),
      ("RenewBefore", "int", False, "named", "False", "0", "Days: renew a keystore entry expiring this soon when the server presents its successor."),
      ("Force", "SwitchParameter", False, "named", "False", "False", "Allow new trust anchors under TrustOnFirstUse that are not named in -TrustedFingerprint. Invoke-HealedRequest never prompts (the merge runs inside the request): without -Force, -Confirm:$false or a named fingerprint each such anchor is a CertHeal.TrustRefused error naming its fingerprint."),
    ],
    inputs=[("System.Uri", "The URL, by value or by property name.")],
    outputs=[("CertHeal.HealedResponse", "The response and the steps of the heal.")],
    notes="Engine users get the same loop as HealingHttpHandler, a DelegatingHandler to put in any HttpClient.",
    examples=[
      ("Call an API whose server forgot its intermediate", "Invoke-HealedRequest https://api.example.com/health -Keystore ./truststore.pem -Verbose",
        "The first handshake fails with IncompleteChain; the intermediate is fetched by AIA, merged, confirmed, and the request is retried."),
      ("Heal a private root only with its pinned fingerprint", "Invoke-HealedRequest https://intranet.example.com/ -Keystore ./truststore.jks -Password $pw -TrustPolicy Pinned -TrustedFingerprint $fingerprint",
        "Only the root with that SHA-256 fingerprint becomes trusted."),
      ("See what would be trusted, without sending", "Invoke-HealedRequest https://api.example.com/ -WhatIf | Select-Object -ExpandProperty Steps",
        "Diagnoses the server and shows the merge plan; nothing is sent or written."),
      ("Post to an API from a runbook and keep the intermediate cache healthy", "$body = @{ status = 'deployed'; version = '2.4.1' } | ConvertTo-Json\n$response = Invoke-HealedRequest https://deploy.example.com/api/events -Method POST -Body $body -ContentType 'application/json' -Keystore ./truststore.pem -RenewBefore 30 -ErrorAction Stop\nif ($response.Healed) { Write-Warning ($response.Steps | Out-String) }",
        "Heals a missing intermediate or renews an expiring one without a person; the warning records what changed in the job log."),
    ],
    links=["Merge-Keystore", "Get-ServerCertificateChain", "about_CertHeal"],
  ),
  dict(
    verb="Find", noun="Keystore",
    synopsis="Finds every trust store an application really uses: JDKs, the OS, Python, Node, git, pip, running processes, app folders.",
    description=[
      "Find-Keystore answers \"which store does this app use\" before anything is merged. Without parameters it reports this machine's stores: every JDK/JRE (JAVA_HOME, each java on PATH by its real path, the alternatives link, the homes under /usr/lib/jvm, /opt, /usr/java, ~/.sdkman, ~/.jdks and Program Files) with its lib/security/cacerts and jssecacerts; the OS's Java cacerts (Debian's /etc/ssl/certs/java/cacerts); OpenSSL's bundle and folder (asked with openssl version -d), the distribution bundles, /etc/ssl/certs, /etc/pki/ca-trust and /usr/local/share/ca-certificates; the stores named by SSL_CERT_FILE, SSL_CERT_DIR, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, PIP_CERT, NODE_EXTRA_CA_CERTS and GIT_SSL_CAINFO; certifi bundles in the site-packages of each python3 on PATH (as the interpreter reports them); pip's config (cert =) and git's http.sslCAInfo; on Windows Cert:\\CurrentUser\\Root and Cert:\\LocalMachine\\Root.",
      "-ProcessId (or Get-Process objects piped in) and -AllProcesses read /proc/<pid>/cmdline, environ and exe on Linux: -Djavax.net.ssl.trustStore (and its type) from the command line, JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS or _JAVA_OPTIONS, else the jssecacerts or cacerts of the JDK the process runs, and the trust variables of its environment. -Path scans folder trees (bounded in depth, folder count and file size) for keystores by content and for virtualenvs' certifi bundles. With -ProcessId, -AllProcesses or -Path only those are reported.",
      "Each store is one CertHeal.KeystoreLocation: Path (the real file, links resolved, because a write through a link would replace the link), Format (from the content), Kind, Consumer (which runtimes or apps read it), FoundBy (how it was found), EntryCount, Writable (by this user, folder included), SharedWith (the link paths that are the same file) and PasswordHint (only a well-known default such as changeit, and only when it really opens the store; no other password is ever shown). Nothing is written; places that cannot be read are skipped with a verbose line, not an error.",
    ],
    params=[
      ("ProcessId", "int[]", False, "named", "True (ByPropertyName)", "None", "Processes whose trust stores to report; binds Id from Get-Process objects by property name."),
      ("AllProcesses", "SwitchParameter", False, "named", "False", "False", "Report the stores of every process this user may inspect."),
      ("Path", "string[]", False, "0", "False", "None", "Files to check, or folders to scan, for keystores by content (JKS, JCEKS, PKCS#12, PEM with certificates, DER certificates) and for virtualenvs (pyvenv.cfg) with certifi; wildcards allowed. Links to folders are not followed."),
      ("Depth", "int", False, "named", "False", "6", "How many folder levels below each -Path are scanned (0 to 64)."),
    ],
    inputs=[("System.Diagnostics.Process", "Processes (their Id binds to -ProcessId).")],
    outputs=[("CertHeal.KeystoreLocation", "One per store, links to the same file folded into one.")],
    notes="KeystoreLocation binds by property name (Path) into Sync-Keystore; use its Path with Merge-Keystore and Confirm-Keystore. Use Format-List to see FoundBy, SharedWith and PasswordHint.",
    examples=[
      ("Which trust store does the failing app use?", "Find-Keystore -ProcessId (Get-Process java).Id | Format-List",
        "Shows the store named by -Djavax.net.ssl.trustStore, or the cacerts of the JDK the process runs, and the stores its environment names (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, ...)."),
      ("Every Java cacerts on this machine", "Find-Keystore | Where-Object Kind -eq 'JavaCacerts' | Format-Table Path, EntryCount, PasswordHint, SharedWith",
        "One row per real file: JDKs whose cacerts links to the OS's shared store show up in its SharedWith."),
      ("Heal one server into every writable JDK store", "$chain = Get-ServerCertificateChain api.example.com\nFind-Keystore | Where-Object { $_.Writable -and $_.Kind -like 'Java*' } | ForEach-Object {\n    $chain | Merge-Keystore -Path $_.Path -Password (ConvertTo-SecureString $_.PasswordHint -AsPlainText -Force)\n}",
        "Each merge is atomic and recorded in the trust ledger."),
      ("Find app truststores shipped next to jars and in virtualenvs", "Find-Keystore -Path /opt/myapp, ~/venvs -Verbose",
        "Scans the folders by content; -Verbose names every place that could not be read."),
    ],
    links=["Sync-Keystore", "Merge-Keystore", "Confirm-Keystore", "about_CertHeal"],
  ),
  dict(
    verb="Sync", noun="Keystore",
    synopsis="Re-applies the trust ledger to keystores that an upgrade replaced, offline, through the same atomic merge.",
    description=[
      "Every merge that adds or renews an anchor or intermediate (Merge-Keystore, Invoke-HealedRequest, certheal merge and request) records it in the trust ledger: the public certificate, its SHA-256, the endpoint it came from, the policy or fingerprint that approved it, when, and into which keystores. A JDK or certifi upgrade replaces the store and loses those entries; Sync-Keystore adds them back.",
      "It runs the same merge path as Merge-Keystore: under the keystore's lock, re-read, merged, read back, .bak kept, renamed; when nothing is missing nothing is written. Anchors go in as pinned by their recorded SHA-256 (the ledger is the consent that was given); intermediates only where they chain to a root the keystore or the system trusts. Expired entries are skipped with the reason, entries the store already has are reported as Unchanged. No handshake is made, so it works offline.",
      "Keystores come from -Path or by property name from Find-Keystore; without either, the per-user keystore. A JKS or PKCS#12 without -Password or -Credential is opened with its well-known default (changeit) when that really opens it. -WhatIf shows the plan. One KeystoreChange per keystore; a keystore that cannot be opened or written is a non-terminating error and the others still run.",
    ],
    params=[
      ("Path", "string[]", False, "0", "True (ByPropertyName)", "$HOME/.certheal/truststore.pem (or $env:CERTHEAL_KEYSTORE)", "The keystores to sync; binds KeystoreLocation.Path from Find-Keystore. Wildcards must match exactly one file each."),
      ("LiteralPath", "string[]", True, "named", "True (ByPropertyName)", "None", "The keystore paths, used exactly as typed."),
      ("LedgerPath", "string", False, "named", "False", "$env:CERTHEAL_LEDGER, else ledger.json beside the per-user keystore", "The trust ledger to re-apply."),
      ("Format", "KeystoreFormat", False, "named", "False", "detected from the content", "PemBundle, Der, Pkcs12, Jks, Directory or WindowsStore."),
      ("Password", "SecureString", False, "named", "False", "the store's well-known default, if it opens it", "The keystore password (JKS and PKCS#12). It never appears in output, logs or errors."),
      ("Credential", "PSCredential", False, "named", "False", "None", "The keystore password as a credential (the user name is ignored)."),
    ],
    inputs=[("CertHeal.KeystoreLocation", "Output of Find-Keystore (Path by property name).")],
    outputs=[("CertHeal.KeystoreChange", "One per keystore: what was (or, with -WhatIf, would be) re-applied.")],
    notes="Supports -WhatIf and -Confirm. Confirm-Keystore -Ledger reports the drift (LedgerDrift findings) without writing, for monitoring.",
    examples=[
      ("After a JDK upgrade, restore every healed entry in every writable store", "Find-Keystore | Where-Object Writable | Sync-Keystore",
        "Each KeystoreChange shows what was added back (Added), what was already there (Unchanged) and what expired (Skipped)."),
      ("See the plan first", "Find-Keystore | Where-Object Kind -eq 'JavaCacerts' | Sync-Keystore -WhatIf",
        "Nothing is written."),
      ("Sync one truststore from a ledger kept with the app", "Sync-Keystore ./truststore.jks -Credential $cred -LedgerPath ./ops/ledger.json -Verbose",
        "The verbose stream names each certificate and why it was added, kept or skipped."),
    ],
    links=["Find-Keystore", "Merge-Keystore", "Confirm-Keystore", "about_CertHeal"],
  ),
]

def p(text):
    return "".join(f"<maml:para>{escape(t)}</maml:para>" for t in ([text] if isinstance(text, str) else text))

def command(c):
    name = f"{c['verb']}-{c['noun']}"
    out = []
    out.append('  <command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">')
    out.append(f"    <command:details><command:name>{name}</command:name><command:verb>{c['verb']}</command:verb><command:noun>{c['noun']}</command:noun><maml:description>{p(c['synopsis'])}</maml:description></command:details>")
    out.append(f"    <maml:description>{p(c['description'])}</maml:description>")
    def param_xml(prm, indent):
        n, t, req, pos, pipe, default, desc = prm[:7]
        aliases = prm[7] if len(prm) > 7 else "none"
        sw = t == "SwitchParameter"
        value = "" if sw else f'<command:parameterValue required="true" variableLength="false">{escape(t)}</command:parameterValue>'
        return (f'{indent}<command:parameter required="{str(req).lower()}" variableLength="true" globbing="false" pipelineInput="{escape(pipe)}" position="{pos}" aliases="{escape(aliases)}">'
                f"<maml:name>{n}</maml:name><maml:description>{p(desc)}</maml:description>{value}"
                f"<dev:type><maml:name>{escape(t)}</maml:name><maml:uri /></dev:type><dev:defaultValue>{escape(default)}</dev:defaultValue></command:parameter>")
    out.append("    <command:syntax><command:syntaxItem>")
    out.append(f"      <maml:name>{name}</maml:name>")
    for prm in c["params"]:
        out.append(param_xml(prm, "      "))
    out.append("    </command:syntaxItem></command:syntax>")
    out.append("    <command:parameters>")
    for prm in c["params"]:
        out.append(param_xml(prm, "      "))
    out.append("    </command:parameters>")
    out.append("    <command:inputTypes>" + "".join(f"<command:inputType><dev:type><maml:name>{escape(t)}</maml:name></dev:type><maml:description>{p(d)}</maml:description></command:inputType>" for t, d in c["inputs"]) + "</command:inputTypes>")
    out.append("    <command:returnValues>" + "".join(f"<command:returnValue><dev:type><maml:name>{escape(t)}</maml:name></dev:type><maml:description>{p(d)}</maml:description></command:returnValue>" for t, d in c["outputs"]) + "</command:returnValues>")
    out.append(f"    <maml:alertSet><maml:alert>{p(c['notes'])}</maml:alert></maml:alertSet>")
    out.append("    <command:examples>")
    for i, (title, code, remarks) in enumerate(c["examples"], 1):
        out.append(f"      <command:example><maml:title>-------------------------- Example {i}: {escape(title)} --------------------------</maml:title><dev:code>{escape(code)}</dev:code><dev:remarks>{p(remarks)}</dev:remarks></command:example>")
    out.append("    </command:examples>")
    out.append("    <command:relatedLinks>" + "".join(f"<maml:navigationLink><maml:linkText>{l}</maml:linkText><maml:uri /></maml:navigationLink>" for l in c["links"]) + "</command:relatedLinks>")
    out.append("  </command:command>")
    return "\n".join(out)

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(root, "en-US", "CertHeal.dll-Help.xml"), "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?>\n<helpItems schema="maml" xmlns="http://msh">\n')
    f.write("\n".join(command(c) for c in HELP))
    f.write("\n</helpItems>\n")
