#!/usr/bin/env python3
"""Writes every ```swift block of README.md and the DocC catalogs into a package that compiles them.

Usage: extract-snippets.py OUTPUT_DIR

Each Markdown file becomes one test target, so that its blocks see one another's declarations (an
article often declares a type in one block and extends it in the next). Its context, the names the
article takes for granted (a `database`, a `User`), comes from scripts/snippets/<File>.swift, whose
`import` lines every block of the article gets too. In each block, top-level declarations (types,
protocols, extensions, functions, with their comments and attributes) stay at the top level and
the statements run in a function of their own, so that two blocks can both say `let users = ...`.
`#sourceLocation` points every error at the Markdown line it comes from.

Blocks that are Package.swift fragments (`.package(...)`, `.target(...)`) go into OUTPUT_DIR/Manifest,
a manifest that `swift package dump-package` evaluates.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DECLARATION = re.compile(r"^(@\w+.*|///.*|(public |private |final |nonisolated )*(struct|class|enum|actor|protocol|extension|func)\b.*)$")
BLOCK = re.compile(r"^( *)```swift\n(.*?)^\1```", re.S | re.M)


def markdown_files():
    files = [os.path.join(ROOT, "README.md")]
    for module in sorted(os.listdir(os.path.join(ROOT, "Sources"))):
        catalog = os.path.join(ROOT, "Sources", module, "Documentation.docc")
        if os.path.isdir(catalog):
            files += [os.path.join(catalog, name) for name in sorted(os.listdir(catalog)) if name.endswith(".md")]
    return files


def blocks(path):
    text = open(path).read()
    for match in BLOCK.finditer(text):
        indent = len(match.group(1))
        first_line = text.count("\n", 0, match.start(2)) + 1
        lines = [line[indent:] for line in match.group(2).splitlines()]
        yield first_line, lines


def split(lines):
    """The block's imports, its top-level declarations and its statements, each as (line, text)."""
    imports, declarations, statements = [], [], []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("import "):
            imports.append(line)
            index += 1
        elif DECLARATION.match(line) and (line.startswith("///") or not line.startswith("//")):
            # A declaration runs from its comments and attributes to the line its braces close on.
            start, depth, opened = index, 0, False
            while index < len(lines):
                depth += lines[index].count("{") - lines[index].count("}")
                opened = opened or "{" in lines[index]
                index += 1
                if opened and depth <= 0:
                    break
            declarations.append((start, lines[start:index]))
        else:
            statements.append((index, line))
            index += 1
    return imports, declarations, statements


def located(path, line, text):
    return f'#sourceLocation(file: "{path}", line: {line})\n{text}\n#sourceLocation()\n'


def main():
    output = sys.argv[1]
    targets, manifest_fragments = [], []
    for path in markdown_files():
        name = re.sub(r"\W", "", os.path.splitext(os.path.basename(path))[0]) + "Snippets"
        found = list(blocks(path))
        swift = [(line, lines) for line, lines in found if not lines or not lines[0].lstrip().startswith(".")]
        manifest_fragments += [(path, line, lines) for line, lines in found if lines and lines[0].lstrip().startswith(".")]
        if not swift:
            continue
        context_path = os.path.join(ROOT, "scripts", "snippets", os.path.splitext(os.path.basename(path))[0] + ".swift")
        if not os.path.exists(context_path):
            sys.exit(f"error: {os.path.relpath(path, ROOT)} has Swift blocks but no context file {os.path.relpath(context_path, ROOT)}")
        context = open(context_path).read()
        context_imports = [line for line in context.splitlines() if line.startswith("import ")]
        directory = os.path.join(output, "Tests", name)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "Context.swift"), "w") as file:
            file.write(located(context_path, 1, context))
        for number, (first_line, lines) in enumerate(swift):
            imports, declarations, statements = split(lines)
            source = "".join(f"{line}\n" for line in sorted(set(imports + context_imports)))
            for start, declaration in declarations:
                source += located(path, first_line + start, "\n".join(declaration))
            if statements:
                body = ""
                previous = None
                for index, line in statements:
                    if previous is None or index != previous + 1:
                        body += f'#sourceLocation(file: "{path}", line: {first_line + index})\n'
                    body += line + "\n"
                    previous = index
                source += f"private func block{number}() async throws {{\n{body}#sourceLocation()\n}}\n"
            with open(os.path.join(directory, f"Block{number}.swift"), "w") as file:
                file.write(source)
        targets.append(name)

    products = [
        ("DogpileCache", "swift-dogpile-cache"), ("DogpileCacheTesting", "swift-dogpile-cache"),
        ("DogpileMemcached", "swift-dogpile-cache"), ("DogpileConfiguration", "swift-dogpile-cache"),
        ("DogpileServiceLifecycle", "swift-dogpile-cache"), ("NIOPosix", "swift-nio"), ("Logging", "swift-log"),
        ("Metrics", "swift-metrics"), ("Tracing", "swift-distributed-tracing"), ("Configuration", "swift-configuration"),
        ("ServiceLifecycle", "swift-service-lifecycle"),
    ]
    dependencies = ", ".join(f'.product(name: "{product}", package: "{package}")' for product, package in products)
    with open(os.path.join(output, "Package.swift"), "w") as file:
        file.write(f"""// swift-tools-version: 6.2
// Generated by scripts/extract-snippets.py: every Swift block of the README and the DocC catalogs.
import PackageDescription

let package = Package(
    name: "Snippets",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-dogpile-cache", path: "{ROOT}"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.60.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
{"".join(f'        .testTarget(name: "{name}", dependencies: [{dependencies}]),{chr(10)}' for name in targets)}    ],
    swiftLanguageModes: [.v6]
)
""")

    manifest = os.path.join(output, "Manifest")
    os.makedirs(manifest, exist_ok=True)
    dependency_fragments = [f for f in manifest_fragments if f[2][0].lstrip().startswith(".package(")]
    target_fragments = [f for f in manifest_fragments if f not in dependency_fragments]
    with open(os.path.join(manifest, "Package.swift"), "w") as file:
        file.write("// swift-tools-version: 6.2\nimport PackageDescription\n\nlet package = Package(\n    name: \"App\",\n    dependencies: [\n")
        # `#sourceLocation` is not allowed inside a literal: a comment says where each fragment is.
        for path, line, lines in dependency_fragments:
            file.write(f"// {path}:{line}\n" + "\n".join(lines) + "\n")
        file.write("    ],\n    targets: [\n")
        for path, line, lines in target_fragments:
            file.write(f"// {path}:{line}\n" + "\n".join(lines) + "\n")
        file.write("    ]\n)\n")
    print(f"{sum(len(os.listdir(os.path.join(output, 'Tests', t))) - 1 for t in targets)} Swift blocks in {len(targets)} files, "
          f"{len(manifest_fragments)} Package.swift fragments")


main()
