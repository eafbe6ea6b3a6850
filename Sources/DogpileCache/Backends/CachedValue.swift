import Synchronization

/// A value as a backend holds it: the user's payload plus the metadata the region needs to judge it.
///
/// In-process backends such as ``MemoryBackend`` keep `CachedValue`s as they are, without copying or
/// encoding the payload.
public struct CachedValue: Sendable {
    /// The format version this release writes. Values carrying another version are misses.
    public static let currentVersion = 1

    /// The payload in a box typed by its dynamic type, so that reading it back as that type is a
    /// class check rather than a full dynamic cast. The box also holds what the value carries
    /// besides its payload, creation time and version (``PayloadBox/attributes``).
    @usableFromInline
    var box: PayloadBox
    /// When the value was created, in wall-clock seconds since 1970 (see ``CacheClock``).
    public var creationTime: Double
    /// The format version the value was written with.
    public var version: Int

    /// Wraps a payload.
    ///
    /// - Parameters:
    ///   - payload: The value itself.
    ///   - creationTime: When it was created, in wall-clock seconds since 1970.
    ///   - version: The format version it is written with; values of another version than
    ///     ``currentVersion`` are misses.
    ///   - expirationTime: The expiration the value chose for itself, which replaces the region's
    ///     and the call's when the value is judged; `nil` for none.
    ///   - tags: The value's tags, by which ``CacheRegion/invalidate(tag:hard:)`` reaches it.
    public init(
        payload: any Sendable,
        creationTime: Double,
        version: Int = CachedValue.currentVersion,
        expirationTime: CacheExpiration? = nil,
        tags: [String] = []
    ) {
        self.box = Self.makeBox(payload, attributes: PayloadBox.Attributes.make(expirationTime: expirationTime, tags: tags))
        self.creationTime = creationTime
        self.version = version
    }

    /// Wraps a payload of a statically known type.
    init<Value: Sendable>(typed payload: Value, creationTime: Double) {
        self.init(box: TypedPayloadBox(payload), creationTime: creationTime)
    }

    /// The cached value itself.
    public var payload: any Sendable {
        get { box.anyValue }
        set { box = Self.makeBox(newValue, attributes: box.attributes) }
    }

    /// The expiration the value chose for itself when it was created (a creator sets it through
    /// ``CreationContext/expirationTime``), which replaces the region's and the call's when the value
    /// is judged; `nil` when it chose none.
    public var expirationTime: CacheExpiration? {
        get { box.attributes?.expirationTime }
        set { box = box.with(PayloadBox.Attributes.make(expirationTime: newValue, tags: tags)) }
    }

    /// The value's tags, set when it was stored (``CacheRegion/set(_:_:tags:)``, or by its creator
    /// through ``CreationContext/tags``): ``CacheRegion/invalidate(tag:hard:)`` reaches every value
    /// carrying the tag. Empty for none.
    public var tags: [String] {
        get { box.attributes?.tags ?? [] }
        set { box = box.with(PayloadBox.Attributes.make(expirationTime: expirationTime, tags: newValue)) }
    }

    /// The payload as a `Value`, or `nil` when it is not one.
    @inlinable
    public func payload<Value: Sendable>(as type: Value.Type) -> Value? {
        box.payload(as: type)
    }

    /// Wraps an already boxed payload.
    init(box: PayloadBox, creationTime: Double) {
        self.box = box
        self.creationTime = creationTime
        self.version = CachedValue.currentVersion
    }

    /// A value read from a byte-storing backend: decoded when it is asked for as a type.
    init(record: ValueRecord, serializer: any CacheSerializer) {
        self.init(box: SerializedPayloadBox(record: record, serializer: serializer), creationTime: record.creationTime)
    }

    /// How old the value is at `now`, in seconds.
    public func age(at now: Double) -> Double {
        now - creationTime
    }

    private static func makeBox<Value: Sendable>(_ payload: Value, attributes: PayloadBox.Attributes?) -> PayloadBox {
        TypedPayloadBox(payload, attributes: attributes)
    }
}

/// A payload of some type; see ``TypedPayloadBox``.
@usableFromInline
class PayloadBox: @unchecked Sendable {
    // @unchecked: the base class stores one immutable Sendable reference; the subclasses store
    // Sendable `let`s.

    /// What the value carries besides its payload, creation time and version, or `nil` for a value
    /// that carries nothing else (no expiration of its own): most values. In the box, because a
    /// box is read on every hit anyway, so a hit pays no reference counting for it, and because a
    /// box of a small payload has room for one more reference in its heap block (a box of a
    /// `String` takes 40 of 48 bytes).
    let attributes: Attributes?

    init(attributes: Attributes?) {
        self.attributes = attributes
    }

    @usableFromInline
    var anyValue: any Sendable { fatalError("PayloadBox is abstract") }

    /// The payload as a `Value`: a class check when it was boxed as one, else a cast or a decoding;
    /// `nil` when it is not one.
    @inlinable
    final func payload<Value: Sendable>(as type: Value.Type) -> Value? {
        if let typed = self as? TypedPayloadBox<Value> {
            return typed.value
        }
        // Checked here, where `Value` is concrete, rather than in `decoded(as:)`, where finding
        // the box class of `Value` is a metadata lookup that cost a local hit a fifth of its time.
        if let value = firstDecoding?._withUnsafeGuaranteedRef({ ($0 as? TypedPayloadBox<Value>)?.value }) {
            return value
        }
        return decoded(as: type)
    }

    /// The payload as this box first decoded it, boxed as its type; `nil` for a box that never
    /// decodes (the base class), or has not yet.
    ///
    /// Unretained, and read only by ``payload(as:)`` above, within the call: a retain and a release
    /// here cost a local tier's hit a sixth of its time (HitProfile local: 8.1 M/s retained, 9.6 M/s
    /// with this and one clock read per hit). Safety: ``SerializedPayloadBox``, the one class that
    /// returns a box, stores it once, with a retain that only its `deinit` gives back, and never
    /// replaces it; so the box lives as long as this one, which the caller of `payload(as:)` holds.
    @usableFromInline
    var firstDecoding: Unmanaged<PayloadBox>? { nil }

    /// This box when it is typed as `Value`, else a new box of `payload` (this box's payload read as
    /// a `Value`), so that whoever reads it as a `Value` next does so with a class check, without
    /// decoding again.
    final func typed<Value: Sendable>(_ payload: Value) -> PayloadBox {
        self is TypedPayloadBox<Value> ? self : TypedPayloadBox(payload, attributes: attributes)
    }

    /// A box of the same payload with `attributes`.
    func with(_ attributes: Attributes?) -> PayloadBox {
        fatalError("PayloadBox is abstract")
    }

    /// The payload as a `Value`, or `nil` when it is not one (or cannot be decoded as one).
    @usableFromInline
    func decoded<Value: Sendable>(as type: Value.Type) -> Value? {
        anyValue as? Value
    }

    /// Whether this is a payload read from a record that says it was stored as another type than
    /// `Value`: someone else's value, never to be read as this one.
    func isRecord<Value>(ofAnotherTypeThan type: Value.Type) -> Bool {
        false
    }

    /// The record a byte-storing backend keeps for this payload.
    func record(creationTime: Double, serializer: any CacheSerializer) throws -> ValueRecord {
        try ValueRecord(value: anyValue, creationTime: creationTime, serializer: serializer)
    }
}

extension PayloadBox {
    /// What a value carries besides its payload, creation time and version. Immutable: a change
    /// makes a new box.
    final class Attributes: Sendable {
        /// The expiration the value chose for itself, or `nil`.
        let expirationTime: CacheExpiration?
        /// The value's tags (``CacheRegion/invalidate(tag:hard:)``), or none.
        let tags: [String]

        private init(expirationTime: CacheExpiration?, tags: [String]) {
            self.expirationTime = expirationTime
            self.tags = tags
        }

        /// The attributes of a value with `expirationTime` and `tags`, or `nil` when that is what a
        /// value without attributes is: no expiration of its own and no tags.
        static func make(expirationTime: CacheExpiration?, tags: [String] = []) -> Attributes? {
            expirationTime == nil && tags.isEmpty ? nil : Attributes(expirationTime: expirationTime, tags: tags)
        }
    }
}

/// A payload read from a byte-storing backend, decoded as the type it is asked for.
final class SerializedPayloadBox: PayloadBox, @unchecked Sendable {
    // @unchecked: every stored property is immutable and Sendable.
    let record: ValueRecord
    let serializer: any CacheSerializer

    /// The box of `record`, with the attributes the record holds.
    init(record: ValueRecord, serializer: any CacheSerializer) {
        self.record = record
        self.serializer = serializer
        super.init(attributes: Attributes.make(expirationTime: record.expirationTime, tags: record.tags))
    }

    override func with(_ attributes: Attributes?) -> PayloadBox {
        var record = record
        record.expirationTime = attributes?.expirationTime
        record.tags = attributes?.tags ?? []
        return SerializedPayloadBox(record: record, serializer: serializer)
    }

    /// The raw payload: bytes, text, or the serializer's bytes.
    override var anyValue: any Sendable {
        switch record.encoding {
        case .utf8Text: String(decoding: record.payload, as: UTF8.self)
        case .rawBytes, .serializer: record.payload
        }
    }

    override func isRecord<Value>(ofAnotherTypeThan type: Value.Type) -> Bool {
        record.typeCheck != ValueRecord.typeCheck(of: type)
    }

    /// The record as read.
    override func record(creationTime: Double, serializer: any CacheSerializer) throws -> ValueRecord {
        record
    }

    /// The payload decoded as a `Value`, or `nil` when it was stored as another type (the record's
    /// ``ValueRecord/typeCheck``) or does not decode.
    ///
    /// The first decoding is kept (``firstDecoding``), so reading the box again as that type, as a
    /// local tier's hits do (``LocalTier``), is a class check rather than a decoding.
    override func decoded<Value: Sendable>(as type: Value.Type) -> Value? {
        guard !isRecord(ofAnotherTypeThan: type) else { return nil }
        let value: Value?
        switch record.encoding {
        case .rawBytes: value = record.payload as? Value
        case .utf8Text: value = String(validating: record.payload, as: UTF8.self).flatMap { $0 as? Value }
        case .serializer: value = try? serializer.decode(record.payload, as: Value.self)
        }
        if let value, decoding.load(ordering: .relaxed) == nil {
            let box = Unmanaged<PayloadBox>.passRetained(TypedPayloadBox(value, attributes: attributes))
            if !decoding.compareExchange(expected: nil, desired: box, ordering: .acquiringAndReleasing).exchanged {
                box.release()
            }
        }
        return value
    }

    /// The first decoding, set once and released with this box (the lifetime
    /// ``PayloadBox/firstDecoding`` relies on); an atomic, as every local hit reads it.
    private let decoding = Atomic<Unmanaged<PayloadBox>?>(nil)

    override var firstDecoding: Unmanaged<PayloadBox>? {
        decoding.load(ordering: .acquiring)
    }

    deinit {
        decoding.load(ordering: .relaxed)?.release()
    }
}

/// A payload of type `Value`.
@usableFromInline
final class TypedPayloadBox<Value: Sendable>: PayloadBox, @unchecked Sendable {
    // @unchecked: `value` is an immutable Sendable value.
    @usableFromInline
    let value: Value

    init(_ value: Value, attributes: Attributes? = nil) {
        self.value = value
        super.init(attributes: attributes)
    }

    override func with(_ attributes: Attributes?) -> PayloadBox {
        TypedPayloadBox(value, attributes: attributes)
    }

    @usableFromInline
    override var anyValue: any Sendable { value }

    /// Encodes with the payload's static type.
    override func record(creationTime: Double, serializer: any CacheSerializer) throws -> ValueRecord {
        try ValueRecord(value: value, creationTime: creationTime, serializer: serializer)
    }
}

/// A cached value read with its metadata, as returned by ``CacheRegion/valueMetadata(_:as:expirationTime:ignoreExpiration:)``.
public struct CacheValueMetadata<Value: Sendable>: Sendable {
    /// The cached value.
    public var payload: Value
    /// When the value was created, in wall-clock seconds since 1970.
    public var creationTime: Double
    /// How old the value was when it was read, in seconds.
    public var age: Double

    /// Creates metadata for a value read at some moment.
    public init(payload: Value, creationTime: Double, age: Double) {
        self.payload = payload
        self.creationTime = creationTime
        self.age = age
    }
}
