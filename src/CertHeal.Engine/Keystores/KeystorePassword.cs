using System.Runtime.InteropServices;
using System.Security;

namespace CertHeal.Keystores;

/// <summary>
/// A keystore password held as a char array that is zeroed on dispose, and that prints as
/// asterisks, so it cannot leak into output, logs or exception messages by accident.
/// </summary>
public sealed class KeystorePassword : IDisposable
{
    private readonly char[] _chars;
    private bool _disposed;

    private KeystorePassword(char[] chars) => _chars = chars;

    internal ReadOnlySpan<char> Span => _disposed ? throw new ObjectDisposedException(nameof(KeystorePassword)) : _chars;

    public static KeystorePassword FromString(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return new(password.ToCharArray());
    }

    public static KeystorePassword FromSecureString(SecureString password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(password);
        try
        {
            var chars = new char[password.Length];
            Marshal.Copy(pointer, chars, 0, chars.Length);
            return new KeystorePassword(chars);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    /// <summary>The first line of a file (as keytool's -storepass:file reads it).</summary>
    public static KeystorePassword FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The password file '{Path.GetFullPath(path)}' does not exist.", path);
        }
        using var reader = new StreamReader(path);
        return FromString(reader.ReadLine() ?? "");
    }

    public static KeystorePassword FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { } value
            ? FromString(value)
            : throw new ArgumentException($"The environment variable '{variable}' that should hold the keystore password is not set.");

    public override string ToString() => "********";

    public void Dispose()
    {
        Array.Clear(_chars);
        _disposed = true;
    }
}
