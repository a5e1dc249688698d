namespace LoaderHarness.Tests.Loader;

/// <summary>A seekable stream over bytes whose reads throw once they reach <c>failAt</c> (a disk error mid-load).</summary>
internal sealed class FailingStream(byte[] bytes, long failAt) : Stream
{
    private readonly MemoryStream _inner = new(bytes, writable: false);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _inner.Length;
    public override long Position { get => _inner.Position; set => _inner.Position = value; }

    public override int Read(Span<byte> buffer)
    {
        if (Position + buffer.Length > failAt)
            throw new IOException($"simulated read error at 0x{failAt:x}");
        return _inner.Read(buffer);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
