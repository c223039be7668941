package techempower

// World is a row of TechEmpower's world table: an id from 1 to WorldRows
// and a random number from 1 to 10,000.
type World struct {
	ID           int32 `gorm:"primaryKey;autoIncrement:false" json:"id"`
	RandomNumber int32 `gorm:"column:randomnumber;not null;default:0" json:"randomNumber"`
}

// TableName is "world", the benchmark's name.
func (World) TableName() string { return "world" }

// Fortune is a row of TechEmpower's fortune table.
type Fortune struct {
	ID      int32  `gorm:"primaryKey;autoIncrement:false"`
	Message string `gorm:"size:2048;not null"`
}

// TableName is "fortune", the benchmark's name.
func (Fortune) TableName() string { return "fortune" }
