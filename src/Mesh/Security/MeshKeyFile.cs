namespace PeerMesh.Mesh.Security;

/// <summary>Reads a mesh key file: any secret of 16..4096 bytes (trailing whitespace ignored), e.g. `head -c 32 /dev/urandom | base64`.</summary>
internal static class MeshKeyFile
{
    public const int MinBytes = 16;
    public const int MaxBytes = 4096;

    public static byte[] Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"mesh key file {path} does not exist", path);
        }

        if (info.Length > MaxBytes)
        {
            throw new InvalidDataException($"mesh key file {path} is larger than {MaxBytes} bytes");
        }

        var bytes = File.ReadAllBytes(path).AsSpan();
        while (bytes.Length > 0 && bytes[^1] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t')
        {
            bytes = bytes[..^1];
        }

        if (bytes.Length < MinBytes)
        {
            throw new InvalidDataException(
                $"mesh key file {path} is too short: at least {MinBytes} bytes (e.g. `head -c 32 /dev/urandom | base64 > {path}`)");
        }

        return bytes.ToArray();
    }
}
