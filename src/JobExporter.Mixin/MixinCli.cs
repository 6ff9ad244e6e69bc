using JobExporter.Jsonnet;

namespace JobExporter.Mixin;

/// <summary>
/// The command line: <c>--mixin &lt;folder&gt;</c> (required), <c>--out &lt;folder&gt;</c> (default: the mixin folder),
/// <c>--config &lt;jsonnet object&gt;</c> merged into _config, <c>--rules-only</c> for just the two rule files,
/// <c>--check</c> to only compare with the files there.
/// Exit codes: 0 done (or up to date), 1 render failed or out of date, 2 bad arguments.
/// </summary>
internal static class MixinCli
{
    public const string Usage = "Usage: JobExporter.Mixin --mixin <folder> [--out <folder>] [--config <jsonnet object>] [--rules-only] [--check]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? mixin = null, output = null, config = null;
        var check = false;
        var rulesOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (name)
            {
                case "--mixin": mixin = Value(); break;
                case "--out": output = Value(); break;
                case "--config": config = Value(); break;
                case "--check": check = true; continue;
                case "--rules-only": rulesOnly = true; continue;
                case "-h" or "--help":
                    stdout.WriteLine(Usage);
                    return 0;
                default:
                    stderr.WriteLine($"Unknown argument {name}.\n{Usage}");
                    return 2;
            }
            if (args[i] == name)
            {
                stderr.WriteLine($"{name} needs a value.\n{Usage}");
                return 2;
            }
        }
        if (mixin is null)
        {
            stderr.WriteLine($"--mixin <folder> is required.\n{Usage}");
            return 2;
        }
        output ??= mixin;
        try
        {
            var files = MixinRenderer.Render(mixin, config, rulesOnly);
            if (check)
            {
                var differences = MixinRenderer.Differences(files, output);
                foreach (var file in differences) stderr.WriteLine($"out of date: {Path.Combine(output, file)}");
                if (differences.Count > 0) stderr.WriteLine("Run `make mixin` and commit the result.");
                return differences.Count == 0 ? 0 : 1;
            }
            MixinRenderer.Write(files, output);
            foreach (var file in files.Keys) stdout.WriteLine(Path.Combine(output, file));
            return 0;
        }
        catch (Exception e) when (e is JsonnetException or JsonnetLibraryMissingException or DirectoryNotFoundException)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }
    }
}
