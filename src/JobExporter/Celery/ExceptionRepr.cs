namespace JobExporter.Celery;

/// <summary>
/// The exception type from the repr Celery sends in task-failed and task-retried (<c>ValueError('bad input')</c> is
/// <c>ValueError</c>). Anything that does not start with a Python name (a retry without a cause sends <c>None</c>)
/// gives null, which the exporter shows as <c>unknown</c>.
/// </summary>
internal static class ExceptionRepr
{
    private const int LongestName = 200;

    public static string? TypeName(string? repr)
    {
        if (repr is null) return null;
        var paren = repr.IndexOf('(');
        var name = (paren < 0 ? repr : repr[..paren]).Trim();
        if (name.Length is 0 or > LongestName || name == "None" || !IsPythonName(name)) return null;
        return name;
    }

    // A dotted Python identifier (ASCII only: the label must stay readable and safe).
    private static bool IsPythonName(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (i > 0 && (c is (>= '0' and <= '9') || (c == '.' && name[i - 1] != '.')));
            if (!ok) return false;
        }
        return name[^1] != '.';
    }
}
