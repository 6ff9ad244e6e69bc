using JobExporter.Jsonnet;
using JobExporter.Mixin;

// Renders the mixin: `--mixin <folder>` (required), `--out <folder>` (default: the mixin folder),
// `--config <jsonnet object>` merged into _config, `--check` to only compare with the files there.
string? mixin = null, output = null, config = null;
var check = false;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--mixin": mixin = Next(); break;
        case "--out": output = Next(); break;
        case "--config": config = Next(); break;
        case "--check": check = true; break;
        case "-h" or "--help":
            Console.WriteLine("Usage: JobExporter.Mixin --mixin <folder> [--out <folder>] [--config <jsonnet object>] [--check]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}; see --help.");
            return 2;
    }
}
if (mixin is null)
{
    Console.Error.WriteLine("--mixin <folder> is required; see --help.");
    return 2;
}
output ??= mixin;
try
{
    var files = MixinRenderer.Render(mixin, config);
    if (check)
    {
        var differences = MixinRenderer.Differences(files, output);
        foreach (var file in differences) Console.Error.WriteLine($"out of date: {Path.Combine(output, file)}");
        if (differences.Count > 0) Console.Error.WriteLine("Run `make mixin` and commit the result.");
        return differences.Count == 0 ? 0 : 1;
    }
    MixinRenderer.Write(files, output);
    foreach (var file in files.Keys) Console.WriteLine(Path.Combine(output, file));
    return 0;
}
catch (Exception e) when (e is JsonnetException or JsonnetLibraryMissingException or DirectoryNotFoundException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
