using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace CertHeal.PowerShell.Tests.Harness;

/// <summary>An answer the scripted host gives to the next prompt (matched against the offered choice labels).</summary>
public enum PromptAnswer
{
    Yes,
    YesToAll,
    No,
    NoToAll,
}

/// <summary>One prompt the host was shown: PromptForChoice (ShouldProcess -Confirm, ShouldContinue) and what it answered.</summary>
public sealed record PromptRecord(string Caption, string Message, IReadOnlyList<string> Choices, int DefaultChoice, string? Answer);

/// <summary>
/// A PSHost whose UI answers prompts from a queue of <see cref="PromptAnswer"/>s and records
/// every prompt, progress, verbose, warning, information, debug and error line. A prompt with
/// an empty queue throws (an unexpected prompt fails the test, with its text in the message).
/// With <see cref="NonInteractive"/> every prompt throws PSInvalidOperationException, as the
/// console host does under `pwsh -NonInteractive`.
/// </summary>
public sealed class ScriptedHost : PSHost
{
    private readonly ScriptedHostUI _ui;

    public ScriptedHost(params PromptAnswer[] answers)
    {
        _ui = new ScriptedHostUI(this);
        foreach (var answer in answers)
        {
            _ui.Answers.Enqueue(answer);
        }
    }

    /// <summary>Behave like `pwsh -NonInteractive`: prompts and reads throw PSInvalidOperationException.</summary>
    public bool NonInteractive { get; init; }

    public override string Name => "CertHeal.ScriptedHost";
    public override Version Version { get; } = new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.GetCultureInfo("en-US");

    /// <summary>Answers not yet used (add more before a run).</summary>
    public Queue<PromptAnswer> Answers => _ui.Answers;

    public IReadOnlyList<PromptRecord> Prompts { get { lock (_ui.Gate) { return [.. _ui.PromptsList]; } } }
    public IReadOnlyList<ProgressRecord> Progress { get { lock (_ui.Gate) { return [.. _ui.ProgressList]; } } }
    public IReadOnlyList<string> Verbose { get { lock (_ui.Gate) { return [.. _ui.VerboseList]; } } }
    public IReadOnlyList<string> Warnings { get { lock (_ui.Gate) { return [.. _ui.WarningList]; } } }
    public IReadOnlyList<string> Debug { get { lock (_ui.Gate) { return [.. _ui.DebugList]; } } }
    public IReadOnlyList<string> Errors { get { lock (_ui.Gate) { return [.. _ui.ErrorList]; } } }
    public IReadOnlyList<InformationRecord> Information { get { lock (_ui.Gate) { return [.. _ui.InformationList]; } } }

    /// <summary>Everything written with Write/WriteLine (Out-Host, Write-Host text).</summary>
    public string Text { get { lock (_ui.Gate) { return _ui.TextBuffer.ToString(); } } }

    public override void SetShouldExit(int exitCode)
    {
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException("The scripted test host has no nested prompt.");

    public override void ExitNestedPrompt() => throw new NotSupportedException("The scripted test host has no nested prompt.");

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed class ScriptedHostUI(ScriptedHost host) : PSHostUserInterface
    {
        public readonly object Gate = new();
        public readonly Queue<PromptAnswer> Answers = new();
        public readonly List<PromptRecord> PromptsList = [];
        public readonly List<ProgressRecord> ProgressList = [];
        public readonly List<string> VerboseList = [];
        public readonly List<string> WarningList = [];
        public readonly List<string> DebugList = [];
        public readonly List<string> ErrorList = [];
        public readonly List<InformationRecord> InformationList = [];
        public readonly System.Text.StringBuilder TextBuffer = new();
        private readonly ScriptedRawUI _raw = new();

        public override PSHostRawUserInterface RawUI => _raw;

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            var labels = choices.Select(c => c.Label.Replace("&", "", StringComparison.Ordinal)).ToList();
            lock (Gate)
            {
                if (host.NonInteractive)
                {
                    PromptsList.Add(new PromptRecord(caption, message, labels, defaultChoice, null));
                    throw new PSInvalidOperationException("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.");
                }
                if (Answers.Count == 0)
                {
                    PromptsList.Add(new PromptRecord(caption, message, labels, defaultChoice, null));
                    throw new InvalidOperationException($"Unexpected prompt (no scripted answer left): {caption}: {message} [{string.Join(" / ", labels)}]");
                }
                var answer = Answers.Dequeue();
                var wanted = answer switch
                {
                    PromptAnswer.Yes => "Yes",
                    PromptAnswer.YesToAll => "Yes to All",
                    PromptAnswer.No => "No",
                    _ => "No to All",
                };
                var index = labels.FindIndex(l => string.Equals(l, wanted, StringComparison.OrdinalIgnoreCase));
                PromptsList.Add(new PromptRecord(caption, message, labels, defaultChoice, index < 0 ? null : wanted));
                if (index < 0)
                {
                    throw new InvalidOperationException($"The scripted answer '{wanted}' is not a choice of this prompt: {caption}: {message} [{string.Join(" / ", labels)}]");
                }
                return index;
            }
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw Refuse($"Prompt: {caption}: {message} ({string.Join(", ", descriptions.Select(d => d.Name))})");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw Refuse($"PromptForCredential: {caption}: {message}");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw Refuse($"PromptForCredential: {caption}: {message}");

        public override string ReadLine() => throw Refuse("ReadLine");

        public override SecureString ReadLineAsSecureString() => throw Refuse("ReadLineAsSecureString");

        private Exception Refuse(string what)
        {
            lock (Gate)
            {
                PromptsList.Add(new PromptRecord(what, "", [], -1, null));
            }
            return host.NonInteractive
                ? new PSInvalidOperationException("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.")
                : new InvalidOperationException($"The scripted test host does not answer {what}.");
        }

        public override void Write(string value) { lock (Gate) { TextBuffer.Append(value); } }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value) { lock (Gate) { TextBuffer.AppendLine(value); } }

        public override void WriteErrorLine(string value) { lock (Gate) { ErrorList.Add(value); } }

        public override void WriteDebugLine(string message) { lock (Gate) { DebugList.Add(message); } }

        public override void WriteProgress(long sourceId, ProgressRecord record) { lock (Gate) { ProgressList.Add(record); } }

        public override void WriteVerboseLine(string message) { lock (Gate) { VerboseList.Add(message); } }

        public override void WriteWarningLine(string message) { lock (Gate) { WarningList.Add(message); } }

        public override void WriteInformation(InformationRecord record) { lock (Gate) { InformationList.Add(record); } }
    }

    /// <summary>A fixed 120x50 console, enough for Format-Table and Out-String.</summary>
    private sealed class ScriptedRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override Coordinates CursorPosition { get; set; }
        public override Coordinates WindowPosition { get; set; }
        public override int CursorSize { get; set; } = 1;
        public override Size BufferSize { get; set; } = new(120, 50);
        public override Size WindowSize { get; set; } = new(120, 50);
        public override Size MaxWindowSize => new(120, 50);
        public override Size MaxPhysicalWindowSize => new(120, 50);
        public override bool KeyAvailable => false;
        public override string WindowTitle { get; set; } = "CertHeal tests";

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new InvalidOperationException("The scripted test host does not read keys.");

        public override void FlushInputBuffer()
        {
        }

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents)
        {
        }

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill)
        {
        }
    }
}
