using System.Text;

namespace JobExporter.Redis;

/// <summary>Encodes a command as RESP2 clients send it: an array of bulk strings.</summary>
internal static class RespWriter
{
    public static byte[] Command(params string[] parts)
    {
        var text = new StringBuilder();
        text.Append('*').Append(parts.Length).Append("\r\n");
        foreach (var part in parts)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
