using System.Globalization;
using System.Text.RegularExpressions;

namespace JobExporter.Configuration;

/// <summary>Durations as Prometheus writes them: <c>500ms</c>, <c>30s</c>, <c>10m</c>, <c>1h30m</c>, <c>2d</c>.</summary>
internal static partial class DurationParser
{
    [GeneratedRegex(@"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")]
    private static partial Regex Pattern();

    private static readonly double[] UnitSeconds = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }
        var match = Pattern().Match(text);
        if (text.Length == 0 || !match.Success) return false;
        double seconds = 0;
        for (var i = 0; i < UnitSeconds.Length; i++)
        {
            if (match.Groups[i + 1].Success) seconds += long.Parse(match.Groups[i + 1].Value, CultureInfo.InvariantCulture) * UnitSeconds[i];
        }
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>Writes a duration back in the same form, for --help and logs.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero) return "0s";
        if (duration.TotalMilliseconds % 1000 != 0) return $"{(long)duration.TotalMilliseconds}ms";
        var seconds = (long)duration.TotalSeconds;
        var text = "";
        foreach (var (unit, size) in new[] { ("d", 86400L), ("h", 3600L), ("m", 60L), ("s", 1L) })
        {
            if (seconds >= size)
            {
                text += $"{seconds / size}{unit}";
                seconds %= size;
            }
        }
        return text;
    }
}
