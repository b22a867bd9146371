#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# NSS databases (Firefox profiles, Chromium's ~/.pki/nssdb) named NSS's way, sql:DIR: each
# database is made by certutil in TestDrive:, and certutil itself says what the cmdlets wrote.
# Skipped with a reason where NSS's tools (libnss3-tools) are not installed.

BeforeDiscovery {
    $script:noCertutil = -not (Get-Command certutil -CommandType Application -ErrorAction Ignore)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')  # keeps the trust ledger out of ~/.certheal

    function New-TestCa([string] $Name) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $request.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddDays(365))
    }

    function New-NssDatabase([string] $Folder) {
        New-Item -ItemType Directory -Path $Folder -Force | Out-Null
        certutil -N -d "sql:$Folder" --empty-password
        if ($LASTEXITCODE -ne 0) { throw "certutil -N failed for $Folder" }
    }
}

Describe 'NSS databases' -Skip:$noCertutil {
    BeforeAll {
        $db = Join-Path $TestDrive 'profile'
        New-NssDatabase $db
        $root = New-TestCa 'Pester Nss Root'
        $pin = $root.GetCertHashString([System.Security.Cryptography.HashAlgorithmName]::SHA256)
    }

    It 'Merge-Keystore -Path sql:DIR writes the root with trust C,, and a second merge writes nothing' {
        $change = $root | Merge-Keystore -Path "sql:$db" -TrustPolicy Pinned -TrustedFingerprint $pin -ErrorAction Stop
        $change.Format | Should -Be 'Nss'
        $change.Added | Should -Be 1
        $change.Written | Should -BeTrue
        $line = certutil -L -d "sql:$db" | Where-Object { $_ -like 'Pester Nss Root *' }
        $line | Should -Match '\sC,,\s*$'

        $before = (Get-Item -LiteralPath (Join-Path $db 'cert9.db')).LastWriteTimeUtc
        $again = $root | Merge-Keystore -Path "sql:$db" -TrustPolicy Pinned -TrustedFingerprint $pin -ErrorAction Stop
        $again.Written | Should -BeFalse
        $again.Unchanged | Should -Be 1
        (Get-Item -LiteralPath (Join-Path $db 'cert9.db')).LastWriteTimeUtc | Should -Be $before
    }

    It 'Confirm-Keystore reads the database and Find-Keystore -Path finds it as an NssDatabase' {
        $report = Confirm-Keystore -Path "sql:$db" -ErrorAction Stop
        $report.Format | Should -Be 'Nss'
        $report.IsValid | Should -BeTrue
        $report.EntryCount | Should -Be 1

        $found = @(Find-Keystore -Path $TestDrive | Where-Object Kind -eq 'NssDatabase')
        $found.Count | Should -Be 1
        $found[0].Path | Should -Be "sql:$db"
    }

    It 'Remove-KeystoreEntry -Keystore sql:DIR takes the root out (certutil -L no longer lists it), -WhatIf first writes nothing' {
        $forgetDb = Join-Path $TestDrive 'forget'
        New-NssDatabase $forgetDb
        $ledger = Join-Path $TestDrive 'forget-ledger.json'
        $null = $root | Merge-Keystore -Path "sql:$forgetDb" -TrustPolicy Pinned -TrustedFingerprint $pin -LedgerPath $ledger -ErrorAction Stop

        $null = Remove-KeystoreEntry -Fingerprint $pin -Keystore "sql:$forgetDb" -LedgerPath $ledger -WhatIf -ErrorAction Stop
        @(certutil -L -d "sql:$forgetDb" | Where-Object { $_ -like 'Pester Nss Root *' }).Count | Should -Be 1

        $removed = Remove-KeystoreEntry -Fingerprint $pin -Keystore "sql:$forgetDb" -LedgerPath $ledger -ErrorAction Stop
        $removed.Path | Should -Be "sql:$forgetDb"
        $removed.Written | Should -BeTrue
        $removed.Removed | Should -Be 1
        @(certutil -L -d "sql:$forgetDb" | Where-Object { $_ -like 'Pester Nss Root *' }).Count | Should -Be 0
    }

    It 'a folder that is no NSS database is one KeystoreNotFound error and stays empty' {
        $plain = Join-Path $TestDrive 'plain'
        New-Item -ItemType Directory -Path $plain | Out-Null
        { $root | Merge-Keystore -Path "sql:$plain" -TrustPolicy Pinned -TrustedFingerprint $pin -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.KeystoreNotFound*' -ExpectedMessage '*holds no NSS database*'
        @(Get-ChildItem -LiteralPath $plain -Force).Count | Should -Be 0
    }
}
