namespace JobExporter.Configuration;

/// <summary>
/// The raw text of each flag after reading the command line, then the environment, then the defaults.
/// A flag on the command line wins over its environment variable.
/// </summary>
internal sealed class FlagValues
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _fromCommandLine = new(StringComparer.Ordinal);

    private FlagValues()
    {
    }

    public static FlagValues Read(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        var byName = Flags.All.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var values = new FlagValues();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new FlagException($"unexpected argument '{arg}': flags look like --name value or --name=value (see --help)");
            }
            var body = arg[2..];
            var eq = body.IndexOf('=');
            var name = eq < 0 ? body : body[..eq];
            if (name.StartsWith("no-", StringComparison.Ordinal) && byName.TryGetValue(name[3..], out var negated) && negated.IsSwitch)
            {
                values.Set(negated, "false");
                continue;
            }
            if (!byName.TryGetValue(name, out var flag))
            {
                throw new FlagException($"unknown flag --{name} (see --help)");
            }
            if (flag.EnvironmentOnly)
            {
                // Say so without repeating the value: it is a secret that is now in the process list and shell history.
                throw new FlagException($"--{name} is read from the environment only ({flag.EnvironmentVariable}), never from the command line");
            }
            string value;
            if (eq >= 0)
            {
                value = body[(eq + 1)..];
            }
            else if (flag.IsSwitch)
            {
                value = "true";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new FlagException($"flag --{name} needs a value");
            }
            values.Set(flag, value);
            values._fromCommandLine.Add(flag.Name);
        }
        foreach (var flag in Flags.All)
        {
            if (values._values.ContainsKey(flag.Name)) continue;
            if (environment.TryGetValue(flag.EnvironmentVariable, out var env) && env is not null)
            {
                foreach (var item in flag.Repeatable ? env.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [env])
                {
                    values.Set(flag, item);
                }
            }
        }
        return values;
    }

    public bool IsSet(Flag flag) => _values.ContainsKey(flag.Name);

    /// <summary>True when the flag was given on the command line (visible to every local user in the process list).</summary>
    public bool IsFromCommandLine(Flag flag) => _fromCommandLine.Contains(flag.Name);

    /// <summary>The value given, else the default, else null.</summary>
    public string? Get(Flag flag) => _values.TryGetValue(flag.Name, out var list) ? list[^1] : flag.Default;

    /// <summary>Every value given to a repeatable flag, else its default.</summary>
    public IReadOnlyList<string> GetAll(Flag flag) =>
        _values.TryGetValue(flag.Name, out var list) ? list : flag.Default is null ? [] : [flag.Default];

    private void Set(Flag flag, string value)
    {
        if (!_values.TryGetValue(flag.Name, out var list))
        {
            _values[flag.Name] = list = [];
        }
        if (!flag.Repeatable) list.Clear();
        list.Add(value);
    }
}
