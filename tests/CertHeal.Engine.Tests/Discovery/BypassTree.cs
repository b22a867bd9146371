namespace CertHeal.Tests.Discovery;

/// <summary>
/// A planted tree with every switch Find-TlsBypass knows, each beside the spellings that must not
/// match (comments, reads, comparisons, the enabling value), plus what a walk must survive: a
/// FIFO, a folder link looping back, documentation, a binary file, node_modules and a deep file.
/// <see cref="Expected"/> lists every finding the tree holds, by file, line, kind and endpoint.
/// </summary>
public sealed class BypassTree : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("certheal-bypass-").FullName;

    public List<(string File, int Line, TlsBypassKind Kind, string? Endpoint)> Expected { get; } = [];

    public BypassTree()
    {
        Plant("shell/env.sh", """
            #!/bin/sh
            export NODE_TLS_REJECT_UNAUTHORIZED=0
            export PYTHONHTTPSVERIFY=0
            export GIT_SSL_NO_VERIFY=1
            curl -sSk https://api.corp.example:8443/health
            wget --no-check-certificate https://dl.corp.example/x.tgz
            git config --global http.sslVerify false
            git -c http.sslVerify=false clone https://git.corp.example/team/repo.git
            npm config set strict-ssl false
            pip install --trusted-host pypi.corp.example requests
            export CURL_CA_BUNDLE=""
            # export NODE_TLS_REJECT_UNAUTHORIZED=0 was needed once
            echo "$NODE_TLS_REJECT_UNAUTHORIZED ${GIT_SSL_NO_VERIFY:-unset}"
            curl https://ok.example/#k -o out -H 'X-Mode: k'
            export NODE_TLS_REJECT_UNAUTHORIZED=1
            curl --insecure https://user:s3cret@private.corp.example/x  # masked
            """,
            (2, TlsBypassKind.NodeTlsRejectUnauthorized, null), (3, TlsBypassKind.PythonHttpsVerify, null), (4, TlsBypassKind.GitSslNoVerify, null),
            (5, TlsBypassKind.CurlInsecure, "api.corp.example:8443"), (6, TlsBypassKind.WgetNoCheckCertificate, "dl.corp.example:443"),
            (7, TlsBypassKind.GitSslVerifyFalse, null), (8, TlsBypassKind.GitSslVerifyFalse, "git.corp.example:443"), (9, TlsBypassKind.NpmStrictSslFalse, null),
            (10, TlsBypassKind.PipTrustedHost, "pypi.corp.example:443"), (11, TlsBypassKind.RequestsCaBundleEmpty, null),
            (16, TlsBypassKind.CurlInsecure, "private.corp.example:443"));
        Plant("systemd/app.service", """
            [Unit]
            Description=App
            [Service]
            Environment=NODE_TLS_REJECT_UNAUTHORIZED=0
            Environment="GIT_SSL_NO_VERIFY=true" "PATH=/usr/bin"
            ; Environment=PYTHONHTTPSVERIFY=0
            # Environment=PYTHONHTTPSVERIFY=0
            ExecStart=/usr/bin/node /srv/app.js https://svc.corp.example
            """,
            (4, TlsBypassKind.NodeTlsRejectUnauthorized, null), (5, TlsBypassKind.GitSslNoVerify, null));
        Plant("ps/deploy.ps1", """
            Invoke-RestMethod -Uri https://ps.corp.example/api -SkipCertificateCheck
            [System.Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
            $splat = @{ Uri = $uri; SkipCertificateCheck = $true }
            Invoke-WebRequest $uri -SkipCertificateCheck:$false
            # Invoke-RestMethod -SkipCertificateCheck
            <#
            Invoke-RestMethod https://old.example -SkipCertificateCheck
            #>
            $env:NODE_TLS_REJECT_UNAUTHORIZED = '0'
            """,
            (1, TlsBypassKind.PowerShellSkipCertificateCheck, "ps.corp.example:443"), (2, TlsBypassKind.PowerShellSkipCertificateCheck, null),
            (3, TlsBypassKind.PowerShellSkipCertificateCheck, null), (9, TlsBypassKind.NodeTlsRejectUnauthorized, null));
        Plant("home/.config/powershell/Microsoft.PowerShell_profile.ps1", """
            $PSDefaultParameterValues['Invoke-RestMethod:SkipCertificateCheck'] = $true
            """,
            (1, TlsBypassKind.PowerShellSkipCertificateCheck, null));
        Plant("py/client.py", """
            import os, ssl, requests
            r = requests.get("https://py.corp.example/v1", verify=False)
            ctx = ssl._create_unverified_context()
            ctx.verify_mode = ssl.CERT_NONE
            if ctx.verify_mode == ssl.CERT_NONE: pass
            # requests.get(url, verify=False)
            os.environ['PYTHONHTTPSVERIFY'] = '0'
            session.verify = True  # verify=False broke nothing
            """,
            (2, TlsBypassKind.PythonVerifyFalse, "py.corp.example:443"), (3, TlsBypassKind.PythonVerifyFalse, null), (4, TlsBypassKind.PythonVerifyFalse, null),
            (7, TlsBypassKind.PythonHttpsVerify, null));
        Plant("js/app.js", """
            const https = require('https');
            const agent = new https.Agent({ rejectUnauthorized: false });
            process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
            // rejectUnauthorized: false
            /* process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; */
            if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') { warn(); }
            const opts = { url: 'https://node.corp.example:9443/x', rejectUnauthorized: false }; // because the CA was missing
            fetch('https://node.corp.example:9443/y', { agent }); // rejectUnauthorized: false
            """,
            (2, TlsBypassKind.NodeRejectUnauthorizedOption, null), (3, TlsBypassKind.NodeTlsRejectUnauthorized, null),
            (7, TlsBypassKind.NodeRejectUnauthorizedOption, "node.corp.example:9443"));
        Plant("java/TrustAll.java", """
            import javax.net.ssl.*;
            public class TrustAll implements X509TrustManager {
                public void checkClientTrusted(X509Certificate[] c, String a) {}
                public void checkServerTrusted(X509Certificate[] chain, String authType)
                        throws CertificateException {
                    // trust everything
                }
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }
            """,
            (4, TlsBypassKind.JavaTrustAllManager, null));
        Plant("java/Insecure.kt", """
            object Insecure : X509TrustManager {
                override fun checkClientTrusted(chain: Array<out X509Certificate>?, authType: String?) = Unit
                override fun checkServerTrusted(chain: Array<out X509Certificate>?, authType: String?) = Unit
                override fun getAcceptedIssuers(): Array<X509Certificate> = arrayOf()
            }
            """,
            (3, TlsBypassKind.JavaTrustAllManager, null));
        Plant("java/Strict.java", """
            public class Strict implements X509TrustManager {
                public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                    delegate.checkServerTrusted(chain, authType);
                }
                /*
                public void checkServerTrusted(X509Certificate[] c, String a) {}
                */
                // SSLContextBuilder.create().loadTrustMaterial(new TrustAllStrategy())
            }
            """);
        Plant("repo/.git/config", """
            [core]
            	repositoryformatversion = 0
            [http "https://git.corp.example/"]
            	sslVerify = false
            [remote "origin"]
            	url = https://git.corp.example/team/repo.git
            """,
            (4, TlsBypassKind.GitSslVerifyFalse, "git.corp.example:443"));
        Plant("home/.gitconfig", """
            [user]
            	name = someone
            [http]
            	sslverify = no ; an old habit
            	# sslVerify = false
            [core]
            	sslVerify = false
            [http.https://old.corp.example/]
            	sslVerify = off
            """,
            (4, TlsBypassKind.GitSslVerifyFalse, null), (9, TlsBypassKind.GitSslVerifyFalse, "old.corp.example:443"));
        Plant("home/.npmrc", """
            registry=https://npm.corp.example/
            ; strict-ssl=false
            strict-ssl=false
            """,
            (3, TlsBypassKind.NpmStrictSslFalse, "npm.corp.example:443"));
        Plant("home/.config/pip/pip.conf", """
            [global]
            index-url = https://pypi.corp.example/simple
            trusted-host = pypi.corp.example
            # trusted-host = other.example
            """,
            (3, TlsBypassKind.PipTrustedHost, "pypi.corp.example:443"));
        Plant("etc/pip.conf", """
            [global]
            trusted-host =
                mirror.corp.example:8080
            """,
            (2, TlsBypassKind.PipTrustedHost, "mirror.corp.example:8080"));
        Plant("home/.curlrc", """
            # insecure
            insecure
            """,
            (2, TlsBypassKind.CurlInsecure, null));
        Plant("home/.wgetrc", """
            check_certificate = off
            """,
            (1, TlsBypassKind.WgetNoCheckCertificate, null));
        Plant("docker/Dockerfile", """
            FROM node:20
            ENV NODE_TLS_REJECT_UNAUTHORIZED 0
            ENV PYTHONHTTPSVERIFY=0
            """,
            (2, TlsBypassKind.NodeTlsRejectUnauthorized, null), (3, TlsBypassKind.PythonHttpsVerify, null));
        Plant("compose/docker-compose.yml", """
            services:
              api:
                environment:
                  NODE_TLS_REJECT_UNAUTHORIZED: "0"
                  # GIT_SSL_NO_VERIFY: "1"
            """,
            (4, TlsBypassKind.NodeTlsRejectUnauthorized, null));
        Plant("k8s/deployment.yaml", """
            spec:
              containers:
                - name: api
                  env:
                    - name: NODE_TLS_REJECT_UNAUTHORIZED
                      value: "0"
                    - name: GIT_SSL_NO_VERIFY
                      value: "true"
                    - name: PYTHONHTTPSVERIFY
                      value: "1"
                    # - name: PYTHONHTTPSVERIFY
                    #   value: "0"
            """,
            (5, TlsBypassKind.NodeTlsRejectUnauthorized, null), (7, TlsBypassKind.GitSslNoVerify, null));
        // What the walk must pass over without a finding (or a hang).
        Plant("docs/README.md", "Never do this: `curl -k https://x` or NODE_TLS_REJECT_UNAUTHORIZED=0\n");
        Plant("js/node_modules/lib/index.js", "module.exports = { rejectUnauthorized: false };\n");
        File.WriteAllBytes(Path.Combine(Root, "shell", "blob.bin"), [.. "NODE_TLS_REJECT_UNAUTHORIZED=0\n"u8, 0, 1, 2]);
        Plant("shell/empty.sh", "");
        Directory.CreateSymbolicLink(Path.Combine(Root, "shell", "loop"), Root);
        File.CreateSymbolicLink(Path.Combine(Root, "shell", "dangling.sh"), Path.Combine(Root, "nowhere.sh"));
        RealMachine.Shell($"mkfifo '{Path.Combine(Root, "shell", "pipe.sh")}'");
        Plant("deep/1/2/3/4/5/6/7/too-deep.sh", "export GIT_SSL_NO_VERIFY=1\n");
    }

    private void Plant(string relative, string text, params (int Line, TlsBypassKind Kind, string? Endpoint)[] findings)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Length == 0 ? "" : text + "\n");
        Expected.AddRange(findings.Select(f => (path, f.Line, f.Kind, f.Endpoint)));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
