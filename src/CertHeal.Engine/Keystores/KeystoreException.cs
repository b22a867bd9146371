using CertHeal.Handshake;

namespace CertHeal.Keystores;

/// <summary>
/// A keystore problem a user can fix, in one sentence that names the file and what to do.
/// Messages never contain a password. When the fix is an option of the caller's command, the
/// exception carries it as a typed <see cref="Remedy"/>: <see cref="Exception.Message"/> words it
/// neutrally, and each host words it with its own option names through <see cref="Describe"/>.
/// </summary>
public sealed class KeystoreException : Exception
{
    private readonly string? _problem;

    public KeystoreException(KeystoreErrorKind kind, string path, string message, Exception? inner = null) : base(message, inner)
    {
        Kind = kind;
        Path = path;
    }

    /// <param name="problem">The sentence up to the remedy, ending in its own connecting words (e.g. "; check the file or ").</param>
    public KeystoreException(KeystoreErrorKind kind, string path, string problem, RemedyKind remedy, Exception? inner = null)
        : base(Compose(problem, remedy, NeutralVocabulary.Instance), inner)
    {
        Kind = kind;
        Path = path;
        _problem = problem;
        Remedy = remedy;
    }

    public KeystoreErrorKind Kind { get; }
    public string Path { get; }

    /// <summary>What the user's command can do about it; null when the message already says all (check the file, its permissions...).</summary>
    public RemedyKind? Remedy { get; }

    /// <summary>The message with the remedy in <paramref name="words"/>' option names.</summary>
    public string Describe(IHostVocabulary words) =>
        _problem is not null && Remedy is { } remedy ? Compose(_problem, remedy, words) : Message;

    private static string Compose(string problem, RemedyKind remedy, IHostVocabulary words) =>
        problem + words.Render(new CertHeal.Remedy { Kind = remedy }) + ".";
}
