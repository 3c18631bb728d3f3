namespace PeerMesh.Cli.Doctor;

/// <summary>One line of <c>peermesh doctor</c>: what was checked, how it went, and how to fix it.</summary>
internal sealed record CheckResult(string Check, CheckOutcome Outcome, string Detail, string? Fix = null)
{
    public static CheckResult Pass(string check, string detail) => new(check, CheckOutcome.Pass, detail);

    public static CheckResult Warn(string check, string detail, string? fix = null) => new(check, CheckOutcome.Warn, detail, fix);

    public static CheckResult Fail(string check, string detail, string? fix = null) => new(check, CheckOutcome.Fail, detail, fix);

    public override string ToString()
    {
        var word = Outcome switch
        {
            CheckOutcome.Pass => "pass",
            CheckOutcome.Warn => "warn",
            _ => "FAIL",
        };
        return Fix is null ? $"{word}  {Check,-16} {Detail}" : $"{word}  {Check,-16} {Detail}; fix: {Fix}";
    }
}
