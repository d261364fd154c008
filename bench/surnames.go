package main

// censusSurnames are the most frequent surnames of the 2010 US Census with
// their frequency per 100,000 people (the census "prop100k" column; figures
// approximate). Ranks 1-150, in rank order.
var censusSurnames = []struct {
	Name string
	Per  float64 // people per 100,000
}{
	{"Smith", 828.19}, {"Johnson", 655.24}, {"Williams", 550.97}, {"Brown", 487.16},
	{"Jones", 483.22}, {"Garcia", 395.21}, {"Miller", 393.57}, {"Davis", 384.84},
	{"Rodriguez", 357.43}, {"Martinez", 354.06}, {"Hernandez", 351.38}, {"Lopez", 293.96},
	{"Gonzalez", 289.10}, {"Wilson", 282.22}, {"Anderson", 280.87}, {"Thomas", 276.26},
	{"Taylor", 274.11}, {"Moore", 255.65}, {"Jackson", 252.77}, {"Martin", 243.20},
	{"Lee", 237.77}, {"Perez", 236.18}, {"Thompson", 234.23}, {"White", 232.07},
	{"Harris", 211.03}, {"Sanchez", 209.98}, {"Clark", 188.67}, {"Ramirez", 187.89},
	{"Lewis", 180.59}, {"Robinson", 179.39}, {"Walker", 178.40}, {"Young", 168.34},
	{"Allen", 166.80}, {"King", 166.57}, {"Wright", 165.19}, {"Scott", 154.25},
	{"Torres", 152.50}, {"Nguyen", 148.65}, {"Hill", 147.03}, {"Flores", 146.73},
	{"Green", 144.98}, {"Adams", 143.02}, {"Nelson", 140.41}, {"Baker", 138.42},
	{"Hall", 136.62}, {"Rivera", 135.51}, {"Campbell", 130.42}, {"Mitchell", 129.80},
	{"Carter", 127.22}, {"Roberts", 126.89}, {"Gomez", 118.45}, {"Phillips", 115.76},
	{"Evans", 114.96}, {"Turner", 113.59}, {"Diaz", 112.49}, {"Parker", 111.13},
	{"Cruz", 110.81}, {"Edwards", 110.47}, {"Collins", 109.26}, {"Reyes", 108.63},
	{"Stewart", 107.78}, {"Morris", 104.11}, {"Morales", 103.64}, {"Murphy", 103.21},
	{"Cook", 102.83}, {"Rogers", 102.47}, {"Gutierrez", 99.54}, {"Ortiz", 99.30},
	{"Morgan", 99.00}, {"Cooper", 96.76}, {"Peterson", 96.35}, {"Bailey", 96.01},
	{"Reed", 95.71}, {"Kelly", 93.41}, {"Howard", 92.97}, {"Ramos", 91.97},
	{"Kim", 91.61}, {"Cox", 90.67}, {"Ward", 90.00}, {"Richardson", 89.58},
	{"Watson", 88.02}, {"Brooks", 87.92}, {"Chavez", 87.71}, {"Wood", 87.15},
	{"James", 86.88}, {"Bennett", 84.61}, {"Gray", 84.50}, {"Mendoza", 84.02},
	{"Ruiz", 83.73}, {"Hughes", 82.68}, {"Price", 82.42}, {"Alvarez", 82.35},
	{"Castillo", 81.64}, {"Sanders", 81.48}, {"Patel", 80.84}, {"Myers", 80.16},
	{"Long", 79.60}, {"Ross", 79.07}, {"Foster", 78.56}, {"Jimenez", 78.11},
	{"Powell", 77.17}, {"Jenkins", 76.32}, {"Perry", 75.86}, {"Russell", 75.39},
	{"Sullivan", 74.72}, {"Bell", 74.54}, {"Coleman", 74.27}, {"Butler", 73.46},
	{"Henderson", 72.92}, {"Barnes", 72.78}, {"Gonzales", 72.25}, {"Fisher", 71.44},
	{"Vasquez", 71.11}, {"Simmons", 70.47}, {"Romero", 69.80}, {"Jordan", 69.71},
	{"Patterson", 69.55}, {"Alexander", 68.30}, {"Hamilton", 67.67}, {"Graham", 67.32},
	{"Reynolds", 66.73}, {"Griffin", 66.43}, {"Wallace", 66.06}, {"Moreno", 65.84},
	{"West", 65.53}, {"Cole", 65.02}, {"Hayes", 64.60}, {"Bryant", 64.24},
	{"Herrera", 63.63}, {"Gibson", 63.30}, {"Ellis", 62.74}, {"Tran", 62.45},
	{"Medina", 62.30}, {"Aguilar", 61.82}, {"Stevens", 61.27}, {"Murray", 61.18},
	{"Ford", 60.75}, {"Castro", 60.48}, {"Marshall", 60.16}, {"Owens", 59.91},
	{"Harrison", 59.49}, {"Fernandez", 58.91}, {"McDonald", 58.46}, {"Woods", 58.24},
	{"Washington", 58.19}, {"Kennedy", 57.81}, {"Wells", 57.14}, {"Vargas", 56.99},
	{"Henry", 56.87}, {"Chen", 56.53},
}

// tailStems and tailEndings combine into the long tail of plausible
// surnames that follows the census list (see buildSurnames).
var tailStems = []string{
	"Ab", "Ack", "Ald", "Alt", "Amb", "Ash", "Ath", "Bal", "Bar", "Beck",
	"Bel", "Bens", "Berg", "Black", "Bland", "Bram", "Brad", "Brig", "Brom", "Buck",
	"Burn", "Cal", "Cant", "Carr", "Cast", "Chal", "Chand", "Clay", "Cob", "Cor",
	"Cran", "Dal", "Dar", "Dav", "Del", "Den", "Dor", "Drum", "Dun", "Eck",
	"Eld", "Elm", "Ens", "Fair", "Fal", "Farn", "Fen", "Fitz", "Gal", "Gar",
	"Gold", "Gorm", "Grant", "Hal", "Hart", "Hask", "Haw", "Hein", "Hol", "Hurl",
	"Ing", "Jar", "Kell", "Kend", "Kers", "Kirk", "Lam", "Lang", "Lind", "Lock",
	"Mal", "Mar", "Mer", "Mont", "Mor", "Nash", "Nor", "Oak", "Orm", "Pal",
	"Pem", "Pen", "Quin", "Rad", "Rand", "Red", "Rich", "Rock", "Rus", "Sal",
	"Sand", "Sel", "Sher", "Stan", "Stock", "Sut", "Tal", "Thorn", "Tol", "Ull",
	"Van", "Vel", "Wal", "Wes", "Whit", "Win", "Yar", "Zel",
}

var tailEndings = []string{
	"ford", "ley", "ton", "well", "wood", "by", "man", "son", "er", "field",
	"ridge", "worth", "ham", "ing", "ard", "ell", "ez", "ini", "ov", "stein",
	"ski", "den", "dale", "more", "ick", "ett", "ow", "ston", "brook", "cott",
	"hurst", "mann", "ino", "ardi", "enko", "sen", "quist", "gren", "ers", "ner",
	"bury", "wick", "land", "ock", "ane", "aro", "ette", "inger", "orth", "ay",
}
