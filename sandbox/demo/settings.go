package demo

// SettingsTables is the settings file's tables section for the demo store: its colour codes
// and the categories of its article number prefixes, which the default product mappings
// read. `starter dev` and the tests use it; a real shop writes its own.
const SettingsTables = `tables:
  colours: {SVA: Svart, VIT: Vit, MAR: Marinblå, GRA: Grå, ROD: Röd, GRO: Grön, BEI: Beige, LJU: Ljusblå}
  categories:
    TS: Kläder/Överdelar/T-shirts
    HD: Kläder/Överdelar/Tröjor
    JN: Kläder/Underdelar/Jeans
    CH: Kläder/Underdelar/Byxor
    SK: Accessoarer/Strumpor
    MS: Accessoarer/Mössor
    JK: Kläder/Ytterkläder/Jackor
    SN: Skor/Sneakers
    KL: Kläder/Klänningar
    SJ: Kläder/Överdelar/Skjortor
    SH: Kläder/Underdelar/Shorts
    VS: Kläder/Ytterkläder/Västar
`

// SettingsFeatures is a products section line for the demo store: its manufacturer as a
// Lightspeed custom field.
const SettingsFeatures = "  features: {Tillverkare: article.manufacturer}\n"
