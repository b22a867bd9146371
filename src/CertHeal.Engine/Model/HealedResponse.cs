namespace CertHeal;

/// <summary>The response of a request made through the heal loop, with the story of the heal.</summary>
public sealed class HealedResponse
{
    public int StatusCode { get; set; }
    public Dictionary<string, string> Headers { get; set; } = [];
    public string Content { get; set; } = "";

    /// <summary>The response's Content-Type header, when it had one.</summary>
    public string? ContentType { get; set; }

    /// <summary>The file the body was written to (-OutFile), or null.</summary>
    public string? OutFile { get; set; }
    public bool Healed { get; set; }
    public int Attempts { get; set; }
    public HealStep[] Steps { get; set; } = [];

    /// <summary>The handshake that failed (or, with WhatIf, the diagnosis); null when the first handshake succeeded.</summary>
    public HandshakeResult? Handshake { get; set; }

    /// <summary>What the merge did (or would do), when one ran; of several, the last that wrote.</summary>
    public KeystoreChange? Change { get; set; }

    /// <summary>Whether the heal wrote the keystore or, as a diagnosis (WhatIf), would: <see cref="KeystoreChange.Changed"/> of its merge.</summary>
    public bool Changed => Change?.Changed ?? false;
}
