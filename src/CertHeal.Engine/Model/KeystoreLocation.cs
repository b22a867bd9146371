namespace CertHeal;

/// <summary>
/// One trust store an application really reads, from Find-Keystore: where it is, who reads it,
/// and how it was found. Path is the real file (links resolved), because a write through a
/// link path would replace the link; SharedWith lists the link paths that lead to the same file.
/// </summary>
public sealed class KeystoreLocation
{
    public string Path { get; set; } = "";
    public string Format { get; set; } = "";
    public KeystoreKind Kind { get; set; }

    /// <summary>Which runtimes or apps read it, e.g. "Java 17 (Debian) at /usr/lib/jvm/java-17-openjdk-amd64".</summary>
    public string[] Consumer { get; set; } = [];

    /// <summary>How it was found, e.g. "JAVA_HOME", "/usr/lib/jvm scan", "environment variable NODE_EXTRA_CA_CERTS of process 1234".</summary>
    public string[] FoundBy { get; set; } = [];

    /// <summary>Entries it holds; null when it cannot be read without a password nobody gave.</summary>
    public int? EntryCount { get; set; }

    /// <summary>Whether this user could replace it (the file and, for a rename, its folder).</summary>
    public bool Writable { get; set; }

    /// <summary>Other paths (symbolic links) that are this same file.</summary>
    public string[] SharedWith { get; set; } = [];

    /// <summary>A well-known default password (e.g. Java's "changeit") that was checked to open it; never any other password.</summary>
    public string? PasswordHint { get; set; }

    /// <summary>
    /// For a store found through a process whose runtime is known: the switch that makes that
    /// runtime read the healed store, or a None entry saying it already does. Empty otherwise.
    /// </summary>
    public RuntimeSteering[] Steering { get; set; } = [];
}
