@{
    RootModule           = 'CertHeal.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c7e-2a0d-4c31-9b7e-8d6f1f4c2e91'
    Author               = 'CertHeal developers'
    CompanyName          = 'CertHeal'
    Copyright            = '(c) CertHeal developers. MIT License.'
    Description          = 'Tells exactly why a TLS handshake fails (incomplete chain, untrusted root, expired, name mismatch, ...), shows the chain a server presents, and heals what can be healed safely from the client side.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('CertHeal.Engine.dll')
    FormatsToProcess     = @('CertHeal.Format.ps1xml')
    TypesToProcess       = @('CertHeal.Types.ps1xml')
    FileList             = @('CertHeal.psd1', 'CertHeal.dll', 'CertHeal.Engine.dll', 'BouncyCastle.Cryptography.dll', 'CertHeal.Format.ps1xml', 'CertHeal.Types.ps1xml',
        'en-US/CertHeal.dll-Help.xml', 'en-US/about_CertHeal.help.txt', 'LICENSE')
    CmdletsToExport = @('Test-TlsHandshake', 'Get-ServerCertificateChain', 'Merge-Keystore', 'Confirm-Keystore', 'Invoke-HealedRequest', 'Find-Keystore', 'Sync-Keystore', 'Find-TlsBypass', 'Remove-KeystoreEntry', 'Register-KeystoreHook', 'Unregister-KeystoreHook', 'Get-KeystoreHook')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('TLS', 'SSL', 'Certificate', 'PKI', 'Keystore', 'JKS', 'PKCS12', 'Truststore', 'Linux', 'Windows', 'PSEdition_Core')
            ProjectUri   = 'https://github.com/certheal/certheal'
            LicenseUri   = 'https://github.com/certheal/certheal/blob/main/LICENSE'
            ReleaseNotes = '0.1.0: Test-TlsHandshake (why a handshake fails), Get-ServerCertificateChain (the presented chain, completed by AIA), Merge-Keystore (PEM, PKCS#12, JKS, folder; trust policies; atomic), Confirm-Keystore and Invoke-HealedRequest (the whole heal loop, proactive renewal), with the certheal CLI.'
        }
    }
}
