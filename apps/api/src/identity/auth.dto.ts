import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin@demo.gov.tw' }) @IsEmail() @Length(3, 320) email: string;
  @ApiProperty() @IsString() @Length(1, 256) password: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @Length(1, 256) currentPassword: string;
  @ApiProperty({ description: '12–256 characters, three of: lower case, upper case, digits, symbols' }) @IsString() @Length(1, 256) newPassword: string;
}
