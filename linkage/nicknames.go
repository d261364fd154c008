package linkage

// nicknames maps common English given-name diminutives to the formal name
// they stand for, both as the "name" transform leaves them (lower-case
// ASCII letters). The list is short on purpose: a diminutive shared by
// several formal names (Chris, Alex, Sam, Pat, Terry, Jo) is left alone,
// since mapping it would make different people match.
var nicknames = map[string]string{
	"abby": "abigail", "al": "albert", "andy": "andrew", "drew": "andrew",
	"barb": "barbara", "ben": "benjamin", "benny": "benjamin", "becky": "rebecca",
	"beth": "elizabeth", "betty": "elizabeth", "liz": "elizabeth", "lizzie": "elizabeth",
	"bill": "william", "billy": "william", "will": "william", "willy": "william",
	"bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert",
	"cathy": "catherine", "kathy": "katherine", "kate": "katherine", "katie": "katherine",
	"chuck": "charles", "charlie": "charles", "dan": "daniel", "danny": "daniel",
	"dave": "david", "davey": "david", "deb": "deborah", "debbie": "deborah",
	"dick": "richard", "rich": "richard", "rick": "richard", "ricky": "richard",
	"don": "donald", "donnie": "donald", "ed": "edward", "eddie": "edward", "ted": "edward",
	"greg": "gregory", "hank": "henry", "harry": "henry", "jack": "john", "johnny": "john",
	"jake": "jacob", "jim": "james", "jimmy": "james", "jamie": "james",
	"jeff": "jeffrey", "jen": "jennifer", "jenny": "jennifer", "jerry": "gerald",
	"joe": "joseph", "joey": "joseph", "jon": "jonathan", "josh": "joshua",
	"ken": "kenneth", "kenny": "kenneth", "larry": "lawrence", "matt": "matthew",
	"maggie": "margaret", "meg": "margaret", "peggy": "margaret", "mike": "michael",
	"mickey": "michael", "nate": "nathan", "nick": "nicholas", "pam": "pamela",
	"patty": "patricia", "peg": "margaret", "pete": "peter", "ray": "raymond",
	"ron": "ronald", "ronnie": "ronald", "sandy": "sandra", "steve": "steven",
	"sue": "susan", "susie": "susan", "tom": "thomas", "tommy": "thomas",
	"tim": "timothy", "tony": "anthony", "vicky": "victoria", "walt": "walter",
	"wes": "wesley",
}
