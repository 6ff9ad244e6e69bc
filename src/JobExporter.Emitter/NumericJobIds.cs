using System.Globalization;

namespace JobExporter.Emitter;

/// <summary>
/// Job ids that are plain decimal numbers, as SQL Server, PostgreSQL and Hangfire's in-memory storage number their jobs,
/// held by an inline <see cref="PendingEvent"/> as a number rather than as the storage's string. A storage makes a new
/// id string each time a worker fetches a job, so holding it from the hook until the broker confirmed the event kept a
/// young object alive through the collections in between, and each was promoted; as a number it costs the collector
/// nothing. Only the canonical form is taken (ASCII digits, no sign, no leading zero), so that the id written is the
/// very text the storage gave.
/// </summary>
internal static class NumericJobIds
{
    // Any 18-digit number fits in a long with room to spare (PendingEvent stores it plus one); 19 digits may not.
    private const int MostDigits = 18;

    /// <summary>The id as a number, when writing the number back gives the same text.</summary>
    public static bool TryParse(string? id, out long number)
    {
        number = 0;
        if (id is null || id.Length is 0 or > MostDigits || (id[0] == '0' && id.Length > 1)) return false;
        foreach (var c in id)
        {
            var digit = c - '0';
            if (digit is < 0 or > 9) return false;
            number = number * 10 + digit;
        }
        return true;
    }

    public static string Format(long number) => number.ToString(CultureInfo.InvariantCulture);
}
