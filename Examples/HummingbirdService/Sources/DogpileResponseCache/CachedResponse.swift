#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird
import NIOCore

/// A response as the response cache stores it: status, headers and the whole body, with what its
/// headers allow a shared cache to do with it.
public struct CachedResponse: Codable, Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// The header fields, as name and value, in order.
    public var headers: [[String]]
    /// The body.
    public var body: Data
    /// Whether a shared cache may store the response and give it to other requests: a status that
    /// is cacheable by default (RFC 9110 §15.1), no `Cache-Control` `no-store`, `no-cache` or
    /// `private`, no `Set-Cookie`, no `Vary`, and a body within the middleware's size limit.
    public var isStorable: Bool
    /// The lifetime the response gives itself in a shared cache, in seconds: `s-maxage`, else
    /// `max-age`, or `nil` for none.
    public var maxAge: Int?

    /// The status codes a cache may store without being told to (RFC 9110 §15.1).
    static let cacheableStatuses: Set<Int> = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]

    /// The response `response` describes, its body read to the end.
    ///
    /// - Parameter maxBodySize: A body longer than this is still read and returned, but not stored.
    init(collecting response: Response, maxBodySize: Int) async throws {
        let sink = BodySink()
        try await response.body.write(CollectingWriter(sink: sink))
        let directives = CacheControlDirectives(response.headers[values: .cacheControl])
        status = response.status.code
        headers = response.headers.map { [$0.name.rawName, $0.value] }
        body = Data(sink.buffer.readableBytesView)
        isStorable = Self.cacheableStatuses.contains(status)
            && !directives.noStore && !directives.noCache && !directives.isPrivate
            && !response.headers.contains(.setCookie) && !response.headers.contains(.vary)
            && sink.buffer.readableBytes <= maxBodySize
        maxAge = directives.sharedMaxAge ?? directives.maxAge
    }

    /// The response to send.
    var response: Response {
        var fields = HTTPFields()
        for header in headers where header.count == 2 {
            if let name = HTTPField.Name(header[0]) {
                fields.append(HTTPField(name: name, value: header[1]))
            }
        }
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Where ``CollectingWriter`` puts the body; used by one task.
private final class BodySink {
    var buffer = ByteBuffer()
}

/// A body writer that keeps what it is given.
private struct CollectingWriter: ResponseBodyWriter {
    let sink: BodySink

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        sink.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
