namespace CertHeal.Keystores;

/// <summary>
/// Serializes writers of one keystore across processes with a `&lt;name&gt;.lock` file opened
/// exclusively (an flock on Unix). The file is left in place: deleting it on close would let a
/// waiter lock the deleted file while a third process locks a new one. Waiting is bounded.
/// </summary>
internal sealed class KeystoreLock : IDisposable
{
    private readonly FileStream _stream;

    private KeystoreLock(FileStream stream) => _stream = stream;

    public static KeystoreLock Acquire(string keystorePath, TimeSpan timeout)
    {
        var lockPath = keystorePath + ".lock";
        var deadline = DateTime.UtcNow + timeout;
        var delay = 10;
        while (true)
        {
            try
            {
                var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                return new KeystoreLock(stream);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 200);
            }
            catch (IOException e)
            {
                throw new KeystoreException(KeystoreErrorKind.Locked, keystorePath,
                    $"Another process has been writing '{keystorePath}' for more than {timeout.TotalSeconds:0} s; try again, or delete '{lockPath}' if no CertHeal process is running.", e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new KeystoreException(KeystoreErrorKind.ReadOnly, keystorePath,
                    $"The folder of '{keystorePath}' is not writable, so the keystore cannot be changed; check its permissions.", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
