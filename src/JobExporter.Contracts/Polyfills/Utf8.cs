#if NETSTANDARD2_0
using System.Text;

namespace JobExporter.Contracts;

/// <summary>
/// <c>System.Text.Unicode.Utf8.IsValid</c> for netstandard2.0, which lacks it: a strict decoder that throws on
/// malformed input. Only the exporter's parser calls it (emitters never parse), so the copy it makes costs nothing there.
/// </summary>
internal static class Utf8
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsValid(ReadOnlySpan<byte> bytes)
    {
        try
        {
            Strict.GetCharCount(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
#endif
