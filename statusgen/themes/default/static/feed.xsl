<?xml version="1.0" encoding="utf-8"?>
<!-- statusgen: a feed (RSS 2.0 or Atom) opened in a browser, as a readable page
     with its address to copy into a feed reader. Feeds name this file in an
     <?xml-stylesheet?> instruction; browsers apply it only to a feed of the
     same origin, served as XML. Feed readers ignore it. No script. -->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  exclude-result-prefixes="atom">
<xsl:output method="html" encoding="utf-8" indent="no" doctype-system="about:legacy-compat"/>

<xsl:template match="/">
  <xsl:variable name="lang" select="(atom:feed/@xml:lang | rss/channel/language)[1]"/>
  <xsl:variable name="title" select="(atom:feed/atom:title | rss/channel/title)[1]"/>
  <xsl:variable name="about" select="(atom:feed/atom:subtitle | rss/channel/description)[1]"/>
  <xsl:variable name="self" select="(atom:feed/atom:link[@rel='self'] | rss/channel/atom:link[@rel='self'])[1]/@href"/>
  <xsl:variable name="page" select="(atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link)[1]"/>
  <!-- The site's root, relative to the feed (feeds/ or feeds/services/), so
       that the icons come from the site serving it, under any base path. -->
  <xsl:variable name="root">
    <xsl:choose>
      <xsl:when test="contains(substring-after($self, '/feeds/'), '/')">../../</xsl:when>
      <xsl:otherwise>../</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <html lang="{$lang}">
  <head>
  <meta name="viewport" content="width=device-width, initial-scale=1"/>
  <meta name="color-scheme" content="light dark"/>
  <link rel="icon" href="{$root}static/favicon.svg" type="image/svg+xml"/>
  <link rel="icon" href="{$root}static/favicon-32.png" type="image/png" sizes="32x32"/>
  <title><xsl:value-of select="$title"/> (feed)</title>
  <style>
:root{--bg:#fff;--surface:#f6f8fa;--text:#1f2328;--muted:#59636e;--border:#d1d9e0;--link:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--surface:#161b22;--text:#e6edf3;--muted:#9198a1;--border:#3d444d;--link:#4493f8}}
body{margin:0;background:var(--bg);color:var(--text);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;overflow-wrap:break-word}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem}
a{color:var(--link)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.15rem;margin:2rem 0 .5rem}
.muted{color:var(--muted)}
.copy{background:var(--surface);border:1px solid var(--border);border-radius:8px;padding:1rem;margin:1.25rem 0}
.copy p{margin:0 0 .5rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input{box-sizing:border-box;width:100%;font:inherit;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem;padding:.5rem;border:1px solid var(--muted);border-radius:6px;background:var(--bg);color:var(--text)}
ol{list-style:none;margin:0;padding:0;border-top:1px solid var(--border)}
li{padding:.6rem 0;border-bottom:1px solid var(--border)}
li p{margin:.15rem 0 0;font-size:.9rem}
  </style>
  </head>
  <body>
  <main>
  <h1><xsl:value-of select="$title"/></h1>
  <xsl:if test="$about">
    <p class="muted"><xsl:value-of select="$about"/></p>
  </xsl:if>
  <section class="copy" aria-labelledby="copy-h">
    <h2 id="copy-h" style="margin-top:0">@@feed_page.heading@@</h2>
    <p>@@feed_page.copy@@</p>
    <label for="address">@@feed_page.address@@</label>
    <input id="address" type="url" readonly="readonly" value="{$self}"/>
  </section>
  <p><a href="{$page}">@@feed_page.open@@</a></p>
  <h2>@@feed_page.latest@@</h2>
  <ol>
    <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
  </ol>
  </main>
  </body>
  </html>
</xsl:template>

<xsl:template match="atom:entry">
  <li>
    <a href="{atom:link[not(@rel) or @rel='alternate'][1]/@href}"><xsl:value-of select="atom:title"/></a>
    <p class="muted"><time datetime="{atom:updated}"><xsl:value-of select="concat(substring(atom:updated, 1, 10), ' ', substring(atom:updated, 12, 5), ' ', substring(atom:updated, 20))"/></time></p>
  </li>
</xsl:template>

<xsl:template match="item">
  <li>
    <a href="{link}"><xsl:value-of select="title"/></a>
    <p class="muted"><xsl:value-of select="pubDate"/></p>
  </li>
</xsl:template>
</xsl:stylesheet>
