namespace CertHeal;

/// <summary>One upgrade hook (Register-, Unregister-, Get-KeystoreHook and `certheal hook`).</summary>
public sealed class KeystoreHook
{
    public KeystoreHookKind Kind { get; set; }
    public string Path { get; set; } = "";
    public KeystoreHookState State { get; set; }

    /// <summary>The system ledger the hook syncs from.</summary>
    public string Ledger { get; set; } = "";

    /// <summary>The certheal the hook runs (the dotnet tool shim, or dotnet and certheal.dll), as a shell command.</summary>
    public string Command { get; set; } = "";

    public bool WhatIf { get; set; }

    /// <summary>Whether the file was written or removed (with WhatIf: would be); false on a rerun.</summary>
    public bool Changed { get; set; }
}
