namespace CertHeal;

/// <summary>Which switch turned certificate validation off; each names the client it affects.</summary>
public enum TlsBypassKind
{
    /// <summary>NODE_TLS_REJECT_UNAUTHORIZED=0: Node.js accepts any certificate.</summary>
    NodeTlsRejectUnauthorized,

    /// <summary>rejectUnauthorized: false in a Node.js TLS or HTTPS option object.</summary>
    NodeRejectUnauthorizedOption,

    /// <summary>PYTHONHTTPSVERIFY=0: Python's urllib skips verification.</summary>
    PythonHttpsVerify,

    /// <summary>verify=False (requests), an unverified SSL context, or CERT_NONE in Python code.</summary>
    PythonVerifyFalse,

    /// <summary>REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE set to the empty string: requests before 2.32 then skips verification.</summary>
    RequestsCaBundleEmpty,

    /// <summary>GIT_SSL_NO_VERIFY set (to anything): git skips verification.</summary>
    GitSslNoVerify,

    /// <summary>http.sslVerify false in git configuration or on a git command line.</summary>
    GitSslVerifyFalse,

    /// <summary>curl -k / --insecure, or insecure in a .curlrc.</summary>
    CurlInsecure,

    /// <summary>wget --no-check-certificate, or check_certificate = off in a .wgetrc.</summary>
    WgetNoCheckCertificate,

    /// <summary>-SkipCertificateCheck, or a validation callback that returns $true, in PowerShell.</summary>
    PowerShellSkipCertificateCheck,

    /// <summary>strict-ssl=false for npm (.npmrc, npm config set, NPM_CONFIG_STRICT_SSL).</summary>
    NpmStrictSslFalse,

    /// <summary>pip's trusted-host (pip.conf, --trusted-host, PIP_TRUSTED_HOST): TLS errors for that host are ignored.</summary>
    PipTrustedHost,

    /// <summary>A Java X509TrustManager whose checkServerTrusted accepts everything (or a library's trust-all strategy).</summary>
    JavaTrustAllManager,
}
