"""Word lists for the demo data: Swedish names and the LC-KOMP activity titles."""

FEMALE_FIRST = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Kristina", "Lena", "Emma", "Kerstin", "Malin",
    "Ingrid", "Linnea", "Marie", "Birgitta", "Jenny", "Hanna", "Annika", "Susanne", "Elin", "Johanna",
    "Sofia", "Ulla", "Camilla", "Helena", "Åsa", "Monica", "Carina", "Ida", "Frida", "Maja",
    "Linda", "Petra", "Agneta", "Therese", "Matilda", "Gunilla", "Ulrika", "Cecilia", "Märta", "Ebba",
]
MALE_FIRST = [
    "Lars", "Anders", "Johan", "Per", "Erik", "Karl", "Peter", "Thomas", "Jan", "Daniel",
    "Fredrik", "Mikael", "Hans", "Bengt", "Magnus", "Stefan", "Mats", "Marcus", "Björn", "Andreas",
    "Niklas", "Jonas", "Henrik", "Oskar", "Ulf", "Göran", "Martin", "Mattias", "Sven", "Olof",
    "Håkan", "Gustav", "Emil", "Kent", "Robert", "Viktor", "Patrik", "Nils", "Jörgen", "Axel",
]
NEUTRAL_FIRST = ["Kim", "Robin", "Alex", "Charlie", "Sam", "Love", "Eli", "Noa"]
LAST = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson",
    "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist", "Lindgren", "Berg",
    "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund",
    "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
    "Danielsson", "Lundin", "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström",
    "Samuelsson", "Isaksson", "Fransson", "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren",
    "Söderberg", "Nyberg", "Blomqvist", "Claesson", "Nordström", "Mårtensson", "Lundström", "Ek",
]

# (theme index, title): 20 seminars over the 8 themes, at least one per theme.
SEMINARS = [
    (0, "Omvärldsanalys: kompetensbehov i regionen"),
    (0, "Globalisering och strukturomvandling på lokala arbetsmarknader"),
    (0, "Nya yrken, nya kunskapskrav – vad säger prognoserna?"),
    (1, "Jämställdhetsintegrering i praktiken – metoder och verktyg"),
    (1, "Könsmönster i utbildnings- och yrkesval"),
    (1, "Tillgänglighet och icke-diskriminering i utbildningsinsatser"),
    (2, "Utvecklingsinriktat lärande – från projekt till hållbar verksamhet"),
    (2, "Lärande utvärdering i ESF-projekt"),
    (2, "Att leda förändring i lärcentrum"),
    (3, "Integrerade kompetensstrategier på arbetsplatsen"),
    (3, "Lärmiljöer på arbetsplatser – forskning och exempel"),
    (3, "Arbetsplatslärande i små och medelstora företag"),
    (4, "Stödstrukturer för lärande på arbetsplatser"),
    (4, "Flexibla utbildningslösningar och distansteknik"),
    (5, "Behovsanalys och upphandling av utbildningsinsatser"),
    (5, "Att samordna utbildning mellan kommuner"),
    (6, "Lärcentrum som mäklare – pedagogisk motor och konceptbyggare"),
    (6, "Validering och kompetenskartläggning i mäklarrollen"),
    (7, "Regional kompetensplattform – lärcentrums roll"),
    (7, "Samverkan med Arbetsförmedlingen och näringslivet"),
]

WORKSHOPS = [
    "Företagsrelationer: från kontakt till avtal",
    "Framtidsverkstad: lärcentrum om fem år",
    "Validering inom vård och omsorg",
    "Yrkesutbildning för industrin i Bergslagen",
    "Kompetensmäkling mot små företag",
    "Handledning på arbetsplatsen",
    "Distansutbildning i glesbygd",
    "Jämställda utbildningsval",
    "Tillgängliga lärmiljöer",
    "Samverkan skola – arbetsliv",
    "Studie- och yrkesvägledning för vuxna",
    "Behovsinventering hos arbetsgivare",
    "Uppdragsutbildning som affärsidé",
    "ESF-ansökan steg för steg",
    "Lärlingsutbildning för vuxna",
    "Omställning vid varsel",
    "Nätbaserat lärande i praktiken",
    "Kvalitetssäkring av utbildningsinsatser",
    "Språkstöd på arbetsplatsen",
    "Kompetensplaner för kommunal verksamhet",
    "Marknadsföring av lärcentrum",
    "Regionala yrkesvux-samarbeten",
    "Entreprenörskap i vuxenutbildningen",
    "Matchning och praktik",
    "Digitala verktyg för kompetenskartläggning",
    "Ledarskap för lärande organisationer",
    "Uppföljning och effektmätning",
    "Partnerskapsdagar: planering och genomförande",
    "Branschråd och yrkesråd",
    "Framtidsverkstad: kompetensförsörjning i regionen",
]

# Where seminars and workshops are held (besides the three seminar towns).
PLACES = ["Örebro", "Västerås", "Norrköping", "Nyköping", "Uppsala", "Lindesberg", "Motala", "Katrineholm", "Sala"]
SEMINAR_TOWNS = ["Uppsala", "Örebro", "Nyköping"]

ACTION_PLANS = [
    ("Gemensam företagsdatabas för lärcentra", "Kartlägga befintliga kontakter och välja verktyg", "Kompetensmäklarna", "Boka möte med näringslivsenheterna"),
    ("Valideringsmodell för undersköterskor", "Pilot med tio deltagare tillsammans med en arbetsgivare", "Verksamhetsansvarig", "Ta fram en tidsplan"),
    ("Lärcentrum som mötesplats för arbetsgivare", "Frukostmöten fyra gånger per år", "Projektledaren", "Skicka inbjudan till första frukostmötet"),
    ("Handledarutbildning för fler branscher", "Anpassa steg 1-2 till industrin", "Lärare/utbildare", "Intervjua tre företag om behoven"),
]
