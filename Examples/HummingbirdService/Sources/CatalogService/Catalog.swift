import Hummingbird
import Logging
import PostgresNIO

/// A product with its reviews' summary.
struct Product: Codable, Sendable, ResponseEncodable, Equatable {
    var id: Int
    var name: String
    var priceCents: Int
    var reviewCount: Int
    var averageRating: Double
}

/// The best-rated products.
struct TopRated: Codable, Sendable, ResponseEncodable {
    var products: [Product]
}

/// The catalog in PostgreSQL: `products` (10,000 rows) and `reviews` (1,000,000), as `scripts/seed.sql`
/// makes them.
struct Catalog: Sendable {
    let client: PostgresClient

    /// One product and its reviews' count and average: an index scan of its 100 reviews.
    func product(id: Int, logger: Logger) async throws -> Product? {
        let rows = try await client.query(
            """
            SELECT p.id, p.name, p.price_cents, count(r.id)::int8, coalesce(avg(r.rating), 0)::float8
            FROM products p LEFT JOIN reviews r ON r.product_id = p.id
            WHERE p.id = \(id) GROUP BY p.id
            """,
            logger: logger
        )
        for try await (id, name, price, count, average) in rows.decode((Int, String, Int, Int, Double).self) {
            return Product(id: id, name: name, priceCents: price, reviewCount: count, averageRating: average)
        }
        return nil
    }

    /// The `limit` best-rated products: an aggregate over every review, which takes real time.
    func topRated(limit: Int, logger: Logger) async throws -> TopRated {
        let rows = try await client.query(
            """
            SELECT p.id, p.name, p.price_cents, count(*)::int8, avg(r.rating)::float8 AS rating
            FROM reviews r JOIN products p ON p.id = r.product_id
            GROUP BY p.id ORDER BY rating DESC, p.id LIMIT \(limit)
            """,
            logger: logger
        )
        var products: [Product] = []
        for try await (id, name, price, count, average) in rows.decode((Int, String, Int, Int, Double).self) {
            products.append(Product(id: id, name: name, priceCents: price, reviewCount: count, averageRating: average))
        }
        return TopRated(products: products)
    }
}
