#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Find-TlsBypass only reads: a planted tree in TestDrive: holds every kind of file it knows, each
# switch beside a commented-out copy; the process cases start `sleep` with the variables, and an
# `sh -c` whose command line carries curl -k, the way a forgotten workaround runs in production.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    # A file-name -> SHA-256 + write time map of every file under a folder, to show nothing was written.
    function Get-TreeStamp([string] $Folder) {
        Get-ChildItem -LiteralPath $Folder -Recurse -File -Force | Sort-Object FullName |
            ForEach-Object { "$($_.FullName)=$((Get-FileHash -LiteralPath $_.FullName).Hash)@$($_.LastWriteTimeUtc.Ticks)" }
    }

    $tree = Join-Path $TestDrive 'tree'
    $files = @{
        'shell/env.sh'        = "export NODE_TLS_REJECT_UNAUTHORIZED=0`n# export PYTHONHTTPSVERIFY=0`nexport PYTHONHTTPSVERIFY=0`nexport GIT_SSL_NO_VERIFY=1`ncurl -k https://api.corp.example:8443/health`nwget --no-check-certificate https://dl.corp.example/x`n"
        'systemd/app.service' = "[Service]`nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0`n"
        'ps/deploy.ps1'       = "# Invoke-RestMethod -SkipCertificateCheck`nInvoke-RestMethod https://ps.corp.example/api -SkipCertificateCheck`n[System.Net.ServicePointManager]::ServerCertificateValidationCallback = { `$true }`n"
        'py/client.py'        = "import requests, ssl`nrequests.get('https://py.corp.example/', verify=False)  # verify=False`nctx = ssl._create_unverified_context()`n"
        'js/app.js'           = "// rejectUnauthorized: false`nconst agent = new https.Agent({ rejectUnauthorized: false });`n"
        'java/TrustAll.java'  = "class TrustAll implements X509TrustManager {`n  public void checkServerTrusted(X509Certificate[] c, String a) { }`n}`n"
        'repo/.git/config'    = "[http `"https://git.corp.example/`"]`n`tsslVerify = false`n"
        'home/.gitconfig'     = "[http]`n`tsslVerify = false`n"
        'home/.npmrc'         = "registry=https://npm.corp.example/`nstrict-ssl=false`n"
        'home/pip.conf'       = "[global]`ntrusted-host = pypi.corp.example`n"
        'home/.curlrc'        = "insecure`n"
        'home/.wgetrc'        = "check_certificate = off`n"
    }
    foreach ($name in $files.Keys) {
        $path = Join-Path $tree $name
        New-Item -ItemType Directory -Path (Split-Path $path) -Force | Out-Null
        [System.IO.File]::WriteAllText($path, $files[$name])
    }
    $found = @(Find-TlsBypass -Path $tree)
}

Describe 'Find-TlsBypass' {
    It 'is exported with help that has examples' {
        Get-Command Find-TlsBypass -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Find-TlsBypass -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }

    Context '-Path' {
        It 'finds every planted switch once, as CertHeal.TlsBypass' {
            $found | ForEach-Object { $_ | Should -BeOfType ([CertHeal.TlsBypass]) }
            $found.Count | Should -Be 18
            ([string[]] $found.Kind | Sort-Object -Unique) | Should -Be @(
                'CurlInsecure', 'GitSslNoVerify', 'GitSslVerifyFalse', 'JavaTrustAllManager', 'NodeRejectUnauthorizedOption', 'NodeTlsRejectUnauthorized',
                'NpmStrictSslFalse', 'PipTrustedHost', 'PowerShellSkipCertificateCheck', 'PythonHttpsVerify', 'PythonVerifyFalse', 'WgetNoCheckCertificate')
        }

        It 'ignores switches that are only in comments' {
            $env = Join-Path $tree 'shell/env.sh'
            ($found | Where-Object Path -eq $env | Where-Object Kind -eq 'PythonHttpsVerify').Line | Should -Be 3
            ($found | Where-Object Path -eq (Join-Path $tree 'ps/deploy.ps1')).Line | Should -Be @(2, 3)
            ($found | Where-Object Path -eq (Join-Path $tree 'js/app.js')).Line | Should -Be 2
            @($found | Where-Object Path -eq (Join-Path $tree 'py/client.py')).Count | Should -Be 2
        }

        It 'names the endpoint when the line, its git section or its .npmrc names one' {
            ($found | Where-Object { $_.Kind -eq 'CurlInsecure' -and $_.Path -like '*env.sh' }).Endpoint | Should -Be 'api.corp.example:8443'
            ($found | Where-Object Path -eq (Join-Path $tree 'repo/.git/config')).Endpoint | Should -Be 'git.corp.example:443'
            ($found | Where-Object Path -eq (Join-Path $tree 'home/.gitconfig')).Endpoint | Should -BeNullOrEmpty
            ($found | Where-Object Kind -eq 'NpmStrictSslFalse').Endpoint | Should -Be 'npm.corp.example:443'
            ($found | Where-Object Kind -eq 'PipTrustedHost').Endpoint | Should -Be 'pypi.corp.example:443'
            ($found | Where-Object Kind -eq 'JavaTrustAllManager').Line | Should -Be 2
        }

        It 'recommends the test, the pinned merge, then the line to remove, in PowerShell words' {
            $git = $found | Where-Object Path -eq (Join-Path $tree 'repo/.git/config')
            $git.Recommendation | Should -BeLike "Test-TlsHandshake -Target 'git.corp.example:443'; if it fails: Get-ServerCertificateChain -Target 'git.corp.example:443' | Merge-Keystore -TrustPolicy Pinned -TrustedFingerprint *; then remove 'sslVerify = false' from line 2 of '$(Join-Path $tree 'repo/.git/config')'"
            $git.Remedy.Kind | Should -Be 'TestPinAndRemoveBypass'
            $wget = $found | Where-Object Kind -eq 'WgetNoCheckCertificate' | Where-Object Path -like '*.wgetrc'
            $wget.Remedy.Kind | Should -Be 'RemoveBypass'
            $wget.Recommendation | Should -BeLike 'Test-TlsHandshake -Target <the host:port it calls>, heal what it reports, then remove *'
            $found.Recommendation | Should -Not -Match 'certheal (test|chain|merge)|--policy|--trusted-fingerprint|--out'
        }

        It 'writes nothing' {
            $before = Get-TreeStamp $tree
            $null = Find-TlsBypass -Path $tree
            Get-TreeStamp $tree | Should -Be $before
        }

        It 'expands wildcards and scans no deeper than -Depth' {
            [string[]] (Find-TlsBypass -Path (Join-Path $tree 'home/.*rc')).Kind | Sort-Object | Should -Be @('CurlInsecure', 'NpmStrictSslFalse', 'WgetNoCheckCertificate')
            @(Find-TlsBypass -Path $tree -Depth 0).Count | Should -Be 0
            @(Find-TlsBypass -Path $tree -Depth 1).Count | Should -Be 18
        }

        It 'reports a missing path as a non-terminating CertHeal.PathNotFound and still scans the others' {
            $missing = Join-Path $TestDrive 'nope'
            $result = @(Find-TlsBypass -Path $missing, (Join-Path $tree 'home') -ErrorVariable problems -ErrorAction SilentlyContinue)
            $result.Count | Should -Be 5
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'CertHeal.PathNotFound,*'
            $problems[0].TargetObject | Should -Be $missing
            { Find-TlsBypass -Path $missing -ErrorAction Stop } | Should -Throw -ErrorId 'CertHeal.PathNotFound,CertHeal.Commands.FindTlsBypassCommand'
        }

        It 'rejects a -Depth out of range' {
            { Find-TlsBypass -Path $tree -Depth 65 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,CertHeal.Commands.FindTlsBypassCommand'
        }
    }

    Context 'processes' {
        BeforeAll {
            $sleep = (Get-Command sleep -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
            $sh = (Get-Command sh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        }

        It 'finds the variables a process was started with, through Get-Process, and curl -k in an sh -c command line' {
            if (-not $IsLinux -or -not $sleep -or -not $sh) { Set-ItResult -Skipped -Because 'process environments are read from /proc (Linux)'; return }
            $withVariables = Start-Process -FilePath $sleep -ArgumentList 120 -PassThru -Environment @{ NODE_TLS_REJECT_UNAUTHORIZED = '0'; GIT_SSL_NO_VERIFY = '1'; PYTHONHTTPSVERIFY = '0' }
            $withCurl = Start-Process -FilePath $sh -ArgumentList '-c', '"sleep 120; curl -k https://api.corp.example:8443/x"' -PassThru
            try {
                Start-Sleep -Milliseconds 300
                $byProcess = @(Get-Process -Id $withVariables.Id, $withCurl.Id | Find-TlsBypass)
                [string[]] ($byProcess | Where-Object ProcessId -eq $withVariables.Id).Kind | Sort-Object |
                    Should -Be @('GitSslNoVerify', 'NodeTlsRejectUnauthorized', 'PythonHttpsVerify')
                $curl = $byProcess | Where-Object ProcessId -eq $withCurl.Id
                $curl.Kind | Should -Be 'CurlInsecure'
                $curl.Endpoint | Should -Be 'api.corp.example:8443'
                $curl.Recommendation | Should -BeLike "*then restart process $($withCurl.Id) (sh) without '-k'"
                $all = @(Find-TlsBypass -AllProcesses)
                $all | Where-Object ProcessId -eq $withVariables.Id | Should -Not -BeNullOrEmpty
            }
            finally {
                foreach ($process in $withVariables, $withCurl) {
                    $process.Kill()
                    $null = $process.WaitForExit(10000)
                }
            }
        }

        It 'reports a process that is not running as CertHeal.ProcessNotFound' {
            { Find-TlsBypass -ProcessId 2147483640 -ErrorAction Stop } | Should -Throw -ErrorId 'CertHeal.ProcessNotFound,CertHeal.Commands.FindTlsBypassCommand'
        }
    }
}
