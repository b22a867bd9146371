#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Find-Keystore only reads: the stores are built in TestDrive: (a PEM bundle and a JKS made by
# Merge-Keystore), so no test depends on what the machine has installed. The process case
# starts a `sleep` with NODE_EXTRA_CA_CERTS, the way a Node app is pointed at a private CA.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')  # keeps the trust ledger out of ~/.certheal

    function New-TestCertificate([string] $Name) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $request.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddDays(365))
    }

    # A file-name -> SHA-256 map of every file under a folder, to show nothing was written.
    function Get-TreeHash([string] $Folder) {
        Get-ChildItem -LiteralPath $Folder -Recurse -File | Sort-Object FullName | ForEach-Object { "$($_.FullName)=$((Get-FileHash -LiteralPath $_.FullName).Hash)" }
    }

    # An app folder as shipped: a PEM bundle, a JKS truststore (password changeit) and a file that is no keystore.
    $app = Join-Path $TestDrive 'app'
    New-Item -ItemType Directory -Path (Join-Path $app 'conf'), (Join-Path $app 'certs') -Force | Out-Null
    $pem = Join-Path $app 'certs/ca-bundle.pem'
    Set-Content -LiteralPath $pem -Value (New-TestCertificate 'bundle-root').ExportCertificatePem()
    $jks = Join-Path $app 'conf/truststore'
    $changeit = ConvertTo-SecureString 'changeit' -AsPlainText -Force
    $null = New-TestCertificate 'jks-root' | Merge-Keystore -Path $jks -Format Jks -Password $changeit -TrustPolicy TrustOnFirstUse -Force -ErrorAction Stop
    Set-Content -LiteralPath (Join-Path $app 'readme.txt') -Value 'not a keystore'
}

Describe 'Find-Keystore' {
    It 'is exported with help that has examples' {
        Get-Command Find-Keystore -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Find-Keystore -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }

    Context '-Path' {
        It 'finds the keystores in a folder tree by content and ignores other files' {
            $found = @(Find-Keystore -Path $app)
            $found.Count | Should -Be 2
            $found | ForEach-Object { $_ | Should -BeOfType ([CertHeal.KeystoreLocation]) }
            ($found.Path | Sort-Object) | Should -Be @($pem, $jks | Sort-Object)
        }

        It 'describes each store: format, entries, kind, writability' {
            $bundle = Find-Keystore -Path $app | Where-Object Path -eq $pem
            $bundle.Format | Should -Be 'PemBundle'
            $bundle.EntryCount | Should -Be 1
            $bundle.Kind | Should -Be 'Application'
            $bundle.Writable | Should -BeTrue
            $bundle.FoundBy | Should -Not -BeNullOrEmpty
        }

        It 'names the well-known default password only because it really opens the JKS' {
            $store = Find-Keystore -Path $app | Where-Object Path -eq $jks
            $store.Format | Should -Be 'Jks'
            $store.PasswordHint | Should -Be 'changeit'
            $store.EntryCount | Should -Be 1
        }

        It 'checks a single file given by path, and expands wildcards' {
            (Find-Keystore -Path $pem).Path | Should -Be $pem
            (Find-Keystore -Path (Join-Path $app 'cert*')).Path | Should -Be $pem
        }

        It 'skips a missing path with a verbose line, not an error' {
            $missing = Join-Path $TestDrive 'nope'
            $verbose = Find-Keystore -Path $missing -Verbose -ErrorAction Stop 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose | Out-String) | Should -Match 'does not exist'
        }

        It 'scans no deeper than -Depth' {
            $deep = Join-Path $TestDrive 'deep/a/b/c'
            New-Item -ItemType Directory -Path $deep -Force | Out-Null
            Copy-Item -LiteralPath $pem -Destination (Join-Path $deep 'bundle.pem')
            @(Find-Keystore -Path (Join-Path $TestDrive 'deep') -Depth 1).Count | Should -Be 0
            @(Find-Keystore -Path (Join-Path $TestDrive 'deep')).Count | Should -Be 1
        }

        It 'rejects a -Depth out of range' {
            { Find-Keystore -Path $app -Depth 65 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,CertHeal.Commands.FindKeystoreCommand'
        }

        It 'writes nothing' {
            $before = Get-TreeHash $app
            $null = Find-Keystore -Path $app
            Get-TreeHash $app | Should -Be $before
        }
    }

    Context 'the pipeline' {
        It 'binds Id from Get-Process by property name and reports the process''s NODE_EXTRA_CA_CERTS' {
            $sleep = Get-Command sleep -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            if (-not $IsLinux -or -not $sleep) { Set-ItResult -Skipped -Because 'process discovery reads /proc (Linux)'; return }
            $process = Start-Process -FilePath $sleep.Source -ArgumentList 120 -Environment @{ NODE_EXTRA_CA_CERTS = $pem } -PassThru
            try {
                $found = Get-Process -Id $process.Id | Find-Keystore | Where-Object Kind -eq 'NodeExtraCaCerts'
                $found.Path | Should -Be $pem
                $found.FoundBy | Should -Contain "environment variable NODE_EXTRA_CA_CERTS of process $($process.Id)"
            }
            finally {
                $process.Kill()
                $null = $process.WaitForExit(10000)
            }
        }

        It 'steers a running node to the healed store: a node started with the printed switch connects where one without it fails' {
            $node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            if (-not $IsLinux -or -not $node) { Set-ItResult -Skipped -Because 'needs /proc (Linux) and node (Debian package nodejs)'; return }
            $lab = Start-CertHealLab -Scenario UntrustedRoot
            # This machine's own trust variables would reach node and the process Find-Keystore reads: none for this test.
            $names = 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'PIP_CERT', 'NODE_EXTRA_CA_CERTS', 'NODE_USE_SYSTEM_CA', 'NODE_OPTIONS', 'GIT_SSL_CAINFO'
            $saved = @{}
            foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $null) }
            $client = "const tls = require('tls'); if (process.argv[1] === 'wait') { setInterval(() => {}, 1000); } else { const [h, p] = process.argv[1].split(':'); " +
                "tls.connect({ host: h, port: +p, servername: 'localhost' }, () => { console.log('verified'); process.exit(0); }).on('error', e => { console.error(e.code); process.exit(3); }); }"
            $healed = Join-Path $TestDrive 'healed.pem'
            $process = Start-Process -FilePath $node.Source -ArgumentList '-e', "`"$client`"", 'wait' -PassThru
            try {
                $target = $lab.Target('UntrustedRoot')
                $null = Get-ServerCertificateChain $target | Merge-Keystore -Path $healed -TrustPolicy Pinned -TrustedFingerprint $lab.UntrustedRootFingerprint -ErrorAction Stop
                $before = & $node.Source -e $client $target 2>&1
                $beforeCode = $LASTEXITCODE

                $steering = (Find-Keystore -ProcessId $process.Id -SteerTo $healed).Steering
                Invoke-Expression $steering.Command
                $after = & $node.Source -e $client $target 2>&1

                $beforeCode | Should -Be 3 -Because "$before"
                @($steering).Count | Should -Be 1
                $steering.Runtime | Should -Be 'Node'
                $steering.Command | Should -Be "`$env:NODE_EXTRA_CA_CERTS = '$healed'"
                $LASTEXITCODE | Should -Be 0 -Because "$after"
                "$after" | Should -Be 'verified'
            }
            finally {
                $process.Kill()
                $null = $process.WaitForExit(10000)
                foreach ($name in $names) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
                $lab | Stop-CertHealLab
            }
        }

        It 'feeds Confirm-Keystore (Path by property name), one report per store' {
            $reports = @(Find-Keystore -Path $app | Where-Object Format -eq 'PemBundle' | Confirm-Keystore)
            $reports.Count | Should -Be 1
            $reports[0].Path | Should -Be $pem
            $reports[0].IsValid | Should -BeTrue
        }

        It 'feeds Merge-Keystore -WhatIf: the plan for every writable store, no file changed' {
            $before = Get-TreeHash $app
            $changes = @(Find-Keystore -Path $app | Where-Object { $_.Writable -and $_.Format -eq 'PemBundle' } |
                    Merge-Keystore -Certificate (New-TestCertificate 'new-root') -TrustPolicy TrustOnFirstUse -WhatIf)
            $changes.Count | Should -Be 1
            $changes[0].WhatIf | Should -BeTrue
            $changes[0].Added | Should -Be 1
            Get-TreeHash $app | Should -Be $before
        }
    }
}
