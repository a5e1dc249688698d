using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images;

/// <summary>
/// Reads kernel image streams. Seekable streams are read where the headers point; a failed seek is the
/// linux-loader Seek* error its caller names (elf::SeekElfStart, bzimage::SeekBzImageHeader, pe::SeekImageHeader…).
/// Streams that cannot seek (pipes, sockets) are read forward once, whole, by <see cref="ReadForward"/>.
/// </summary>
internal static class ImageStreams
{
    /// <summary>Most bytes <see cref="ReadForward"/> takes from a stream of unknown length (the decompression cap's order of size).</summary>
    public const long MaxForwardRead = 1L << 30;

    /// <summary>Reads the first <paramref name="length"/> bytes (fewer if the stream is shorter) of a seekable stream.</summary>
    public static ReadOnlyMemory<byte> ReadHeaders(Stream image, long length, LoaderError seekError)
    {
        if (!image.CanRead)
            throw new LoaderException(LoaderError.ReadKernelImage, "kernel image stream is not readable");
        Seek(image, 0, seekError, "the start of the image");
        length = Math.Min(length, image.Length);
        var buffer = new byte[length];
        try
        {
            image.ReadExactly(buffer);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading image headers failed: {e.Message}", e);
        }
        return buffer;
    }

    /// <summary>The whole of a seekable stream.</summary>
    public static byte[] ReadAll(Stream image, LoaderError seekError)
    {
        Seek(image, 0, seekError, "the start of the image");
        var bytes = new byte[image.Length];
        try
        {
            image.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading the image failed: {e.Message}", e);
        }
        return bytes;
    }

    /// <summary>
    /// Reads a stream from where it is to its end, never seeking (a pipe, a socket, a decompressor's output),
    /// at most <see cref="MaxForwardRead"/> bytes.
    /// </summary>
    public static byte[] ReadForward(Stream image)
    {
        if (!image.CanRead)
            throw new LoaderException(LoaderError.ReadKernelImage, "kernel image stream is not readable");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = image.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MaxForwardRead)
                    throw new LoaderException(LoaderError.ReadKernelImage, $"the image stream holds more than {MaxForwardRead} bytes");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException e)
        {
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading the image stream failed: {e.Message}", e);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// The length of a seekable stream, which linux-loader measures by seeking to its end (pe::SeekImageEnd,
    /// bzimage::SeekBzImageEnd); a stream that cannot tell is <paramref name="seekError"/>.
    /// </summary>
    public static long LengthOf(Stream image, LoaderError seekError)
    {
        try
        {
            return image.Length;
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException)
        {
            throw new LoaderException(seekError, $"finding the end of the image failed: {e.Message}", e);
        }
    }

    /// <summary>Moves a seekable stream to <paramref name="offset"/>; failure is <paramref name="seekError"/>.</summary>
    public static void Seek(Stream image, long offset, LoaderError seekError, string what)
    {
        try
        {
            image.Seek(offset, SeekOrigin.Begin);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException or ArgumentException)
        {
            throw new LoaderException(seekError, $"seeking to {what} (offset 0x{offset:x}) failed: {e.Message}", e);
        }
    }
}
