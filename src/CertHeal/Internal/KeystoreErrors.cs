using System.Management.Automation;
using CertHeal.Handshake;
using CertHeal.Keystores;

namespace CertHeal.Internal;

/// <summary>One mapping from engine keystore errors to ErrorIds and categories, for every cmdlet.</summary>
internal static class KeystoreErrors
{
    /// <param name="words">The calling cmdlet's option names for the error's remedy; Merge-Keystore's unless given.</param>
    public static ErrorRecord Record(KeystoreException e, IHostVocabulary? words = null)
    {
        var record = Map(e);
        if (e.Remedy is not null)
        {
            record.ErrorDetails = new ErrorDetails(e.Describe(words ?? PowerShellVocabulary.Instance));
        }
        return record;
    }

    private static ErrorRecord Map(KeystoreException e) => new(e, e.Kind switch
    {
        KeystoreErrorKind.NotFound => ErrorIds.KeystoreNotFound,
        KeystoreErrorKind.WrongPassword or KeystoreErrorKind.PasswordRequired => ErrorIds.KeystorePassword,
        KeystoreErrorKind.Locked => ErrorIds.KeystoreLocked,
        KeystoreErrorKind.ReadOnly => ErrorIds.KeystoreReadOnly,
        KeystoreErrorKind.ValidationFailed => ErrorIds.KeystoreValidationFailed,
        KeystoreErrorKind.Unsupported => ErrorIds.KeystoreUnsupported,
        _ => ErrorIds.KeystoreUnreadable,
    }, e.Kind switch
    {
        KeystoreErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        KeystoreErrorKind.WrongPassword or KeystoreErrorKind.PasswordRequired => ErrorCategory.AuthenticationError,
        KeystoreErrorKind.Locked => ErrorCategory.ResourceBusy,
        KeystoreErrorKind.ReadOnly => ErrorCategory.PermissionDenied,
        KeystoreErrorKind.ValidationFailed => ErrorCategory.InvalidResult,
        KeystoreErrorKind.Unsupported => ErrorCategory.NotImplemented,
        _ => ErrorCategory.InvalidData,
    }, e.Path);
}
